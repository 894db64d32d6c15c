import { alpineScheme } from '../../../src/vuln/versions/index.js';
import { testAscending, testEqual } from './ordering-table.js';

// apk-tools version ordering (src/version.c) on suffixes, letters and revisions.
testAscending(alpineScheme, 'pre-release suffixes sort before the version, post-release ones after', [
  '1.2.3_alpha',
  '1.2.3_alpha2',
  '1.2.3_beta',
  '1.2.3_pre1',
  '1.2.3_rc1',
  '1.2.3',
  '1.2.3-r1',
  '1.2.3-r2',
  '1.2.3_p1',
  '1.2.3a',
  '1.2.3.1',
  '1.2.4',
]);
testAscending(alpineScheme, 'real openssl and busybox package versions order by revision and release', [
  '1.36.1-r5',
  '1.36.1-r15',
  '1.36.1-r29',
  '1.37.0-r0',
]);
testAscending(alpineScheme, 'openssl 3.x Alpine builds order by upstream then -r', [
  '3.1.4-r0',
  '3.1.4-r5',
  '3.1.7-r0',
  '3.3.2-r0',
]);
testEqual(alpineScheme, 'an -r0 revision is explicit but numerically zero', ['2.6.3-r0', '2.6.3-r00']);
