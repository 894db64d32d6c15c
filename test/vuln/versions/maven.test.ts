import { mavenScheme } from '../../../src/vuln/versions/index.js';
import { testAscending, testEqual } from './ordering-table.js';

// Orderings from the Maven "Version Order Specification" (maven-artifact ComparableVersion) and
// from real release lines (log4j-core, Spring, Hibernate).
testAscending(mavenScheme, 'known qualifiers order alpha < beta < milestone < rc < snapshot < release < sp', [
  '2.0-alpha1',
  '2.0-beta1',
  '2.0-m1',
  '2.0-rc1',
  '2.0-snapshot',
  '2.0',
  '2.0-sp1',
]);
testAscending(mavenScheme, 'log4j-core release line orders as Maven Central lists it', [
  '2.0-beta9',
  '2.0-rc1',
  '2.0',
  '2.0.1',
  '2.3.1',
  '2.12.2',
  '2.14.1',
  '2.15.0',
  '2.17.1',
]);
testAscending(mavenScheme, 'digits inside qualifiers compare numerically', ['1-foo2', '1-foo10']);
testAscending(mavenScheme, 'a hyphen item sorts below a dot item', ['1', '1-1', '1.1']);
testAscending(mavenScheme, 'unknown qualifiers sort after sp, and below the next release', [
  '1.0-sp',
  '1.0-foo',
  '1.0.1',
]);
testEqual(mavenScheme, 'trailing null items are trimmed', [
  '1',
  '1.0',
  '1.0.0',
  '1-0',
  '1.ga',
  '1-ga',
  '1.0-final',
]);
testEqual(mavenScheme, 'RELEASE and Final spellings are the release', [
  '5.3.0.RELEASE',
  '5.3.0',
  '5.3.0.Final',
  '5.3.0-GA',
]);
testEqual(mavenScheme, 'a1 / b1 / m1 abbreviate alpha-1 / beta-1 / milestone-1', [
  '1-a1',
  '1-alpha-1',
  '1-ALPHA1',
]);
testEqual(mavenScheme, 'cr is rc', ['1-rc1', '1-cr1', '1.0-RC-1']);
