// The RE2 engine lives on the ground floor (src/go-regexp.ts) so sign/ can use it too; policy code
// imports it from here.
export {
  anchored,
  anchoredAtEnd,
  anchoredAtStart,
  type CompiledRegexp,
  compileGoRegexp,
  isAnchored,
  type LinearRegexp,
  REGEXP_MAX_CHARS,
} from '../go-regexp.js';
