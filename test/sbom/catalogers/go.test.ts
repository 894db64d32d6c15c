import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { goBinaryCataloger, readGoBuildInfo } from '../../../src/sbom/catalogers/go-binary.js';
import { goModCataloger, goSumCataloger } from '../../../src/sbom/catalogers/go-mod.js';
import { catalogFixture, catalogText, purls } from '../fixtures.js';

test('go.mod: require block entries become golang purls split at the last slash, plus the stdlib', () => {
  const r = catalogFixture(goModCataloger, 'go/go.mod');
  assert.deepEqual(purls(r), [
    'pkg:golang/github.com/cpuguy83/go-md2man/v2@v2.0.6',
    'pkg:golang/github.com/inconshreveable/mousetrap@v1.1.0',
    'pkg:golang/github.com/spf13/pflag@v1.0.9',
    'pkg:golang/go.yaml.in/yaml/v3@v3.0.4',
    'pkg:golang/stdlib@v1.15.0',
  ]);
});

test('go.mod: replace directives apply, local-path replacements are not components', () => {
  const r = catalogText(
    goModCataloger,
    'go.mod',
    'module x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n\tgithub.com/c/d v1.2.0 // indirect\n)\nreplace github.com/a/b => github.com/fork/b v1.0.1\nreplace github.com/c/d => ../d\n',
  );
  assert.deepEqual(purls(r), ['pkg:golang/github.com/fork/b@v1.0.1']);
});

test('go.mod: an unterminated block is INPUT_MALFORMED', () => {
  assert.throws(
    () => catalogText(goModCataloger, 'go.mod', 'module x\nrequire (\n\tgithub.com/a/b v1.0.0\n'),
    {
      code: 'INPUT_MALFORMED',
    },
  );
});

test('go.sum: modules with content hashes count, /go.mod-only lines do not', () => {
  const r = catalogFixture(goSumCataloger, 'go/go.sum');
  assert.ok(purls(r).includes('pkg:golang/github.com/russross/blackfriday/v2@v2.1.0'));
  assert.ok(r.components.every((c) => !c.version.endsWith('/go.mod')));
});

/** A minimal ELF image carrying a Go 1.18+ build info blob, laid out as cmd/link writes it. */
function syntheticGoBinary(goVersion: string, modinfo: string): Buffer {
  const varint = (n: number): Buffer => {
    const out: number[] = [];
    let v = n;
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return Buffer.from(out);
  };
  const bytes = (b: Buffer): Buffer => Buffer.concat([varint(b.length), b]);
  // runtime/debug's infoStart / infoEnd sentinels frame the module text.
  const start = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
  const end = Buffer.from('f932433186182072008242104116d8f2', 'hex');
  const header = Buffer.alloc(32);
  header.write('\xff Go buildinf:', 0, 'latin1');
  header[14] = 8; // pointer size
  header[15] = 2; // flag: inline strings (Go 1.18+)
  const blob = Buffer.concat([
    header,
    bytes(Buffer.from(goVersion)),
    bytes(Buffer.concat([start, Buffer.from(modinfo), end])),
  ]);
  const elf = Buffer.alloc(4096);
  elf.write('\x7fELF', 0, 'latin1');
  return Buffer.concat([elf, blob, Buffer.alloc(64)]);
}

test('Go binary build info: main module, deps (with replacements) and the Go stdlib version', () => {
  const bin = syntheticGoBinary(
    'go1.22.5',
    'path\tgithub.com/sigstore/cosign/v2/cmd/cosign\nmod\tgithub.com/sigstore/cosign/v2\tv2.4.0\th1:x=\ndep\tgithub.com/spf13/cobra\tv1.8.1\th1:y=\ndep\tgolang.org/x/crypto\tv0.24.0\th1:z=\n=>\tgolang.org/x/crypto\tv0.25.0\th1:w=\n',
  );
  const r = goBinaryCataloger.catalog({ path: 'usr/bin/cosign', bytes: bin }, { maxBytes: 1 << 20 });
  assert.deepEqual(purls(r), [
    'pkg:golang/github.com/sigstore/cosign/v2@v2.4.0',
    'pkg:golang/github.com/spf13/cobra@v1.8.1',
    'pkg:golang/golang.org/x/crypto@v0.25.0',
    'pkg:golang/stdlib@v1.22.5',
  ]);
  const main = r.components.find((c) => c.name === 'github.com/sigstore/cosign/v2');
  assert.equal(main?.type, 'application');
  assert.equal(main?.dependsOn?.length, 2);
});

test('a real Debian-built Go binary (GOPATH mode, no module info) still yields its Go version', () => {
  const path = '/usr/bin/umoci';
  assert.ok(existsSync(path), 'umoci is missing: apt-get install -y umoci');
  const info = readGoBuildInfo(readFileSync(path));
  assert.ok(info && info !== 'pre-1.18');
  assert.match(info.goVersion, /^go1\.\d+/);
  assert.equal(info.path, 'github.com/opencontainers/umoci/cmd/umoci');
});

test('a non-Go executable yields nothing and no warning', () => {
  const r = goBinaryCataloger.catalog(
    { path: 'bin/sh', bytes: Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(2048)]) },
    { maxBytes: 1 << 20 },
  );
  assert.deepEqual(r, { components: [], warnings: [] });
  assert.equal(goBinaryCataloger.matches('bin/tool', 0o755, 4096), true);
  assert.equal(goBinaryCataloger.matches('README', 0o644, 4096), false);
});
