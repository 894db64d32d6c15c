import type { ImageFile, ImageSpec } from '../oci/index.js';

/**
 * The drill's sample images: small, real (config + gzip layers), deterministic, with content the SBOM
 * catalogers recognise (Debian os-release and dpkg status, an npm lockfile), so the drill's SBOM is an
 * SBOM and not an empty document.
 */
const CREATED = new Date('2026-01-15T10:00:00Z');

const OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;

const DPKG_STATUS = `Package: base-files
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12987
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u7
Description: GNU C Library: Shared libraries

Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6168
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries

Package: openssl
Status: install ok installed
Priority: optional
Section: utils
Installed-Size: 2296
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34), libssl3 (>= 3.0.9)
Description: Secure Sockets Layer toolkit - cryptographic utility
`;

const PACKAGE_JSON = `${JSON.stringify(
  {
    name: 'payments-api',
    version: '1.4.2',
    private: true,
    dependencies: { 'cookie-signature': '1.2.1', ms: '2.1.3' },
  },
  null,
  2,
)}\n`;

const PACKAGE_LOCK = `${JSON.stringify(
  {
    name: 'payments-api',
    version: '1.4.2',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': {
        name: 'payments-api',
        version: '1.4.2',
        dependencies: { 'cookie-signature': '1.2.1', ms: '2.1.3' },
      },
      'node_modules/cookie-signature': {
        version: '1.2.1',
        resolved: 'https://registry.npmjs.org/cookie-signature/-/cookie-signature-1.2.1.tgz',
        integrity:
          'sha512-78KWk9T26NhzXtuL26cIJ8/qNHANyJ/ZYrmEXFzUmhZdjpBv+DlWlOANRTGBt48YcyslsLrj0bMLFTmXvLRCOw==',
        license: 'MIT',
        engines: { node: '>=6.6.0' },
      },
      'node_modules/ms': {
        version: '2.1.3',
        resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz',
        integrity:
          'sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==',
        license: 'MIT',
      },
    },
  },
  null,
  2,
)}\n`;

const SERVER_JS = `// payments-api: the workload the drill admits or denies.
const http = require('node:http');
http.createServer((_req, res) => res.end('ok\\n')).listen(8080);
`;

const base: readonly ImageFile[] = [
  { path: 'etc/os-release', content: OS_RELEASE },
  { path: 'var/lib/dpkg/status', content: DPKG_STATUS },
];

/** The release the CI pipeline built, signed and attested. */
export const signedAppSpec: ImageSpec = {
  created: CREATED,
  layers: [
    base,
    [
      { path: 'app/package.json', content: PACKAGE_JSON },
      { path: 'app/package-lock.json', content: PACKAGE_LOCK },
      { path: 'app/server.js', content: SERVER_JS },
    ],
  ],
  workingDir: '/app',
  cmd: ['node', 'server.js'],
  labels: {
    'org.opencontainers.image.title': 'payments-api',
    'org.opencontainers.image.version': '1.4.2',
    'org.opencontainers.image.source': 'https://github.com/example/payments-api',
  },
};

/** The "urgent fix rebuilt on a workstation" of the release incident: same tag habits, different bytes, no evidence. */
export const unsignedAppSpec: ImageSpec = {
  ...signedAppSpec,
  created: new Date('2026-01-15T23:47:00Z'),
  layers: [
    base,
    [
      { path: 'app/package.json', content: PACKAGE_JSON },
      { path: 'app/package-lock.json', content: PACKAGE_LOCK },
      { path: 'app/server.js', content: `${SERVER_JS}// hotfix: built locally\n` },
    ],
  ],
};
