import { rubygemsScheme } from '../../../src/vuln/versions/index.js';
import { testAscending, testEqual } from './ordering-table.js';

// Gem::Version semantics, with the rails 7.0.0 and nokogiri release lines as real orderings.
testAscending(rubygemsScheme, 'prerelease letters sort before the release (rails 7.0.0 line)', [
  '7.0.0.alpha1',
  '7.0.0.alpha2',
  '7.0.0.rc1',
  '7.0.0.rc3',
  '7.0.0',
  '7.0.0.1',
  '7.0.1',
]);
testAscending(rubygemsScheme, 'numeric segments compare numerically (nokogiri)', [
  '1.13.9',
  '1.13.10',
  '1.14.0.rc1',
  '1.14.0',
]);
testAscending(rubygemsScheme, 'numbers inside prerelease parts compare numerically', [
  '1.8.2.a9',
  '1.8.2.a10',
  '1.8.2.b1',
]);
testEqual(rubygemsScheme, 'trailing zeros are not significant', ['1', '1.0', '1.0.0']);
testEqual(rubygemsScheme, 'a hyphen means .pre.', ['1.0.0-rc1', '1.0.0.pre.rc1']);
