import { nugetScheme } from '../../../src/vuln/versions/index.js';
import { testAscending, testEqual } from './ordering-table.js';

// learn.microsoft.com, "NuGet package versioning": SemVer 2.0 order, four-part legacy versions.
testAscending(nugetScheme, 'prerelease labels order as SemVer 2.0', [
  '1.0.1-alpha',
  '1.0.1-alpha.1',
  '1.0.1-alpha.beta',
  '1.0.1-beta',
  '1.0.1-beta.2',
  '1.0.1-beta.11',
  '1.0.1-rc.1',
  '1.0.1',
  '1.0.1.1',
  '1.0.2',
]);
testEqual(nugetScheme, 'prerelease labels compare case-insensitively', [
  '1.0.0-Beta',
  '1.0.0-beta',
  '1.0.0-BETA',
]);
testEqual(nugetScheme, 'missing parts are zero and leading zeros are ignored', [
  '1.0',
  '1.0.0',
  '1.0.0.0',
  '1.00.0',
]);
testEqual(nugetScheme, 'build metadata is ignored', ['13.0.1', '13.0.1+0a1b2c']);
testAscending(nugetScheme, 'numeric labels sort below alphanumeric ones', [
  '1.0.0-2',
  '1.0.0-10',
  '1.0.0-alpha',
]);
