import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPolicies } from '../../src/policy/index.js';

// Written for vouch: the AWS KMS URI shapes policy-controller's webhook (validateAWSKMS) accepts and refuses,
// using AWS's documented example account 111122223333 and key ID 1234abcd-12ab-34cd-56ef-1234567890ab.
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const ARN = 'arn:aws:kms:us-east-2:111122223333';

function kmsIssues(uri: string): string[] {
  const text = `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata:
  name: p
spec:
  images: [{ glob: "**" }]
  authorities: [{ key: { kms: "${uri}" } }]
`;
  return readPolicies(text, 'kms.yaml')
    .issues.filter((i) => i.severity === 'error')
    .map((i) => i.path);
}

test('an AWS KMS key or alias ARN, with or without a host:port endpoint, is accepted', () => {
  for (const uri of [
    `awskms:///${ARN}:key/${KEY_ID}`,
    `awskms://localhost:4566/${ARN}:key/${KEY_ID}`,
    `awskms:///${ARN}:alias/ExampleAlias`,
    `awskms://localhost:4566/${ARN}:alias/ExampleAlias`,
    `awskms:///arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/${KEY_ID}`,
  ]) {
    assert.deepEqual(kmsIssues(uri), [], uri);
  }
});

test('an AWS KMS bare key ID or alias name is refused: it needs AWS settings from the environment', () => {
  for (const uri of [
    `awskms:///${KEY_ID}`,
    `awskms://localhost:4566/${KEY_ID}`,
    'awskms:///alias/ExampleAlias',
    'awskms://localhost:4566/alias/ExampleAlias',
  ]) {
    assert.deepEqual(kmsIssues(uri), ['spec.authorities[0].key.kms'], uri);
  }
});

test('an AWS KMS endpoint without a port, or an ARN in the endpoint position, is refused', () => {
  for (const uri of [
    `awskms://localhost/${ARN}:key/${KEY_ID}`,
    `awskms://${ARN}:key/${KEY_ID}`,
    `awskms:///arn:aws:kms:us-east-2:1111:key/${KEY_ID}`,
    `awskms:///arn:aws:s3:us-east-2:111122223333:key/${KEY_ID}`,
  ]) {
    assert.deepEqual(kmsIssues(uri), ['spec.authorities[0].key.kms'], uri);
  }
});
