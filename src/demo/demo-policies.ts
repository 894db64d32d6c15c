/**
 * The drill's policy pack, in the two documents vouch enforces: a Kyverno ClusterPolicy with
 * verifyImages (the release-incident guide's shape, with a key instead of GitHub keyless so it runs offline) and a
 * Sigstore ClusterImagePolicy (the supply-chain guide's shape). Both start in Audit/warn, as the release-incident guide prescribes;
 * `vouch policy promote` moves them to Enforce.
 */
export const DEMO_REGISTRY = 'registry.vouch.local';
export const DEMO_REPOSITORY = `${DEMO_REGISTRY}/payments-api`;

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

/** Kyverno: signature by the release key, plus CycloneDX SBOM and SLSA v1 provenance attestations. */
export function kyvernoDemoPolicy(publicKeyPem: string, repository = DEMO_REPOSITORY): string {
  const key = indent(publicKeyPem, 22);
  // The same key signs the attestations; each attestation names its attestors in full, as Kyverno wants.
  const attestationAttestors = `              attestors:
                - entries:
                    - keys:
                        publicKeys: |-
${indent(publicKeyPem, 26)}
                        rekor:
                          ignoreTlog: true
                        ctlog:
                          ignoreSCT: true`;
  return `# Drill policy: only signed + attested releases of payments-api may run.
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-signed-attested-release
  annotations:
    policies.kyverno.io/title: Require signed and attested releases
spec:
  validationFailureAction: Audit
  background: false
  rules:
    - name: verify-release-signature
      match:
        any:
          - resources:
              kinds:
                - Pod
      verifyImages:
        - imageReferences:
            - "${repository}*"
          # Kyverno refuses mutateDigest with Audit; promote flips it with the action. Until then the
          # pod still names a tag, so the digest requirement is off (Enforce pins it instead).
          mutateDigest: false
          verifyDigest: false
          attestors:
            - entries:
                - keys:
                    publicKeys: |-
${key}
                    # The drill runs offline: no Rekor to look the signature up in.
                    rekor:
                      ignoreTlog: true
                    ctlog:
                      ignoreSCT: true
          attestations:
            - type: https://cyclonedx.org/bom
${attestationAttestors}
              conditions:
                - all:
                    - key: "{{ length(components) }}"
                      operator: GreaterThan
                      value: 0
            - type: https://slsa.dev/provenance/v1
${attestationAttestors}
              conditions:
                - all:
                    - key: "{{ buildDefinition.externalParameters.workflow.repository }}"
                      operator: Equals
                      value: "https://github.com/example/payments-api"
`;
}

/** ClusterImagePolicy: the same key, and an SBOM attestation with at least one component (CUE). */
export function cipDemoPolicy(publicKeyPem: string, repository = DEMO_REPOSITORY): string {
  return `# Drill policy: the Sigstore policy-controller form of the same rule.
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata:
  name: require-sbom-attestation
spec:
  mode: warn
  images:
    - glob: "${repository}*"
  authorities:
    - name: release-key
      key:
        hashAlgorithm: sha256
        data: |
${indent(publicKeyPem, 10)}
      # The drill runs offline: an empty ctlog turns transparency-log verification off.
      ctlog: {}
      attestations:
        - name: must-have-sbom
          predicateType: https://cyclonedx.org/bom
          policy:
            type: cue
            data: |
              predicate: components: [_, ...]
`;
}
