/** Every cataloger vouch runs, in a fixed order (the order only affects which `foundBy` comes first). */
import { apkCataloger } from './apk.js';
import { bunLockCataloger, bunLockbCataloger } from './bun-lock.js';
import { cargoLockCataloger } from './cargo-lock.js';
import type { Cataloger } from './cataloger.js';
import { composerLockCataloger } from './composer-lock.js';
import { dotnetDepsCataloger, nugetLockCataloger } from './dotnet.js';
import { dpkgCataloger } from './dpkg.js';
import { gemfileLockCataloger } from './gemfile-lock.js';
import { goBinaryCataloger } from './go-binary.js';
import { goModCataloger, goSumCataloger } from './go-mod.js';
import { javaArchiveCataloger } from './java-archive.js';
import { gradleLockCataloger, mavenPomCataloger } from './java-build-files.js';
import { mixLockCataloger } from './mix-lock.js';
import { npmInstalledCataloger } from './npm-installed.js';
import { npmPackageLockCataloger } from './npm-package-lock.js';
import { pdmLockCataloger } from './pdm-lock.js';
import { pnpmLockCataloger } from './pnpm-lock.js';
import { pubspecLockCataloger } from './pubspec-lock.js';
import { pythonArchiveCataloger } from './python-archive.js';
import { pythonInstalledCataloger } from './python-installed.js';
import {
  pipfileLockCataloger,
  poetryLockCataloger,
  requirementsTxtCataloger,
  uvLockCataloger,
} from './python-locks.js';
import { rpmCataloger } from './rpm.js';
import { yarnLockCataloger } from './yarn-lock.js';

export type { CatalogContext, CatalogInput, CatalogResult, Cataloger } from './cataloger.js';
export { comparePackageJson } from './npm-package-lock.js';
export { readGoBuildInfo, type GoBuildInfo } from './go-binary.js';

export const allCatalogers: readonly Cataloger[] = [
  npmPackageLockCataloger,
  yarnLockCataloger,
  pnpmLockCataloger,
  bunLockCataloger,
  bunLockbCataloger,
  npmInstalledCataloger,
  pythonInstalledCataloger,
  pythonArchiveCataloger,
  poetryLockCataloger,
  uvLockCataloger,
  pdmLockCataloger,
  pipfileLockCataloger,
  requirementsTxtCataloger,
  goModCataloger,
  goSumCataloger,
  goBinaryCataloger,
  cargoLockCataloger,
  gemfileLockCataloger,
  composerLockCataloger,
  mixLockCataloger,
  pubspecLockCataloger,
  nugetLockCataloger,
  dotnetDepsCataloger,
  javaArchiveCataloger,
  gradleLockCataloger,
  mavenPomCataloger,
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
];
