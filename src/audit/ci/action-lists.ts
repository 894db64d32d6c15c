/**
 * Offline lists the supply-chain rules read: repositories GitHub shows as archived (no fixes will ever
 * come) and widely used actions that typosquats imitate. Facts as zizmor's data/archived-repos.txt and
 * data/popular-actions.txt record them; update both together with the rule tests.
 */
const words = (s: string): string[] => s.split(/\s+/).filter((w) => w.length > 0);

/** `owner/repo`, lower-cased. */
export const ARCHIVED_REPOS: ReadonlySet<string> = new Set(
  words(`
  8398a7/action-slack actions-rs/audit-check actions-rs/cargo actions-rs/clippy-check
  actions-rs/components-nightly actions-rs/grcov actions-rs/install actions-rs/tarpaulin
  actions-rs/toolchain actions/create-release actions/setup-elixir actions/setup-haskell
  actions/setup-ruby actions/upload-release-asset actionstoolbox/gem-build-and-release-action
  allanchain/poetry-cache-action andrewmcodes-archive/rubocop-linter-action apidevtools/swagger-cli
  aquasecurity/cfsec araichev/gtfs_kit artichoke/setup-rust aslafy-z/conventional-pr-title-action
  asottile-archive/seed-isort-config azure/appconfiguration-sync azure/appservice-actions
  azure/azure-resource-login-action azure/container-actions azure/container-scan
  azure/data-factory-deploy-action azure/data-factory-export-action azure/data-factory-validate-action
  azure/get-keyvault-secrets azure/k8s-actions azure/manage-azure-policy
  azure/publish-security-assessments azure/run-sqlpackage-action azure/spring-cloud-deploy
  azure/webapps-container-deploy benmezger/gjira brettcannon/caniusepython3 cedrickring/golang-action
  cirrus-actions/rebase contributor-assistant/github-action convictional/trigger-workflow-and-wait
  cpcloud/flake-update-action crazy-max/ghaction-docker-buildx crazy-max/ghaction-hugo
  dariuszporowski/chatgpt-pre-commit-hooks datreeio/datree decathlon/pull-request-labeler-action
  delaguardo/setup-graalvm dnephin/pre-commit-golang dulvui/godot-android-export
  elstudio/actions-settings expo/expo-preview-action fabasoad/setup-zizmor-action facebook/pysa-action
  fregante/release-with-changelog gherynos/pre-commit-java google/mirror-branch-action
  google/skywater-pdk-actions gradle/gradle-build-action grafana/k6-action
  gruntwork-io/terraform-aws-couchbase hashicorp/terraform-cdk-action hcodes/yaspeller
  helaili/github-graphql-action helaili/jekyll-action ilshidur/action-slack irgolic/autopr
  jakejarvis/backblaze-b2-action jakejarvis/cloudflare-purge-action jakejarvis/firebase-deploy-action
  jakejarvis/hugo-build-action jakejarvis/lighthouse-action jakejarvis/s3-sync-action jeffa5/typstfmt
  jimmygchen/runner-fallback-action josephfrazier/prettier_d justinribeiro/lighthouse-action
  kanadgupta/glitch-sync kxxt/chatgpt-action lapras-inc/resume-sync-action life4/flakehell
  liskin/gh-pipx lucas-c/pre-commit-hooks-bandit machine-learning-apps/wandb-action
  mansagroup/gcs-cache-action mapbox/secret-shield marcogorelli/absolufy-imports
  marvinpinto/action-automatic-releases marvinpinto/actions maxheld83/ghpages meilcli/danger-action
  meilcli/gradle-update-check-action meilcli/npm-update-check-action meilcli/nuget-update-check-action
  micnncim/action-lgtm-reaction mikepenz/gradle-dependency-submission
  niklasmerz/github-deployment-action nix-community/nixpkgs-fmt onedr0p/sops-pre-commit
  orf/cargo-bloat-action owenlamont/uv-secure paambaati/codeclimate-action
  philips-software/docker-ci-scripts pre-commit/mirrors-autopep8 pre-commit/mirrors-isort
  pre-commit/mirrors-prettier primer/figma-action pycqa/pydocstyle rapidsai/frigate
  reasonsoftware/action-pylint repo-sync/pull-request repo-sync/repo-sync
  sagebind/docker-swarm-deploy-action scottbrenner/generate-changelog-action seandstewart/typical
  secrethub/actions segmentio/golines semgrep/semgrep-action shaunlwm/action-release-debugapk
  snok/pep585-upgrade soichisumi/issue-copy-action sonarsource/sonarcloud-github-action
  sphinx-quant/sphinx-quant stefafafan/psi-action stefanprodan/kube-tools
  suzuki-shunsuke/github-action-format suzuki-shunsuke/github-action-tflint
  suzuki-shunsuke/github-action-tfsec suzuki-shunsuke/required-status-check-action
  suzuki-shunsuke/trivy-config-action suzuki-shunsuke/validate-pr-review-action svenstaro/upx-action
  swiftdocorg/github-wiki-publish-action tachiyomiorg/issue-moderator-action
  technote-space/auto-cancel-redundant-workflow technote-space/get-diff-action tenable/terrascan
  tencentcloudbase/cloudbase-action terrencepreilly/darglint thegeeklab/ansible-later
  tibdex/github-app-token trmcnvn/chrome-addon verygoodopensource/very_good_coverage
  whelk-io/maven-settings-xml-action yeslayla/build-godot-action youyo/aws-cdk-github-actions
  yumemi-inc/clean-cache-action z0al/dependent-issues
`),
);

/** `owner/repo` as published (case kept for messages). */
export const POPULAR_ACTIONS: readonly string[] = words(`
  8398a7/action-slack actions/cache actions/checkout actions/configure-pages
  actions/create-github-app-token actions/dependency-review-action actions/deploy-pages
  actions/download-artifact actions/github-script actions/labeler actions/setup-dotnet
  actions/setup-go actions/setup-java actions/setup-node actions/setup-python actions/stale
  actions/upload-artifact actions/upload-pages-artifact astral-sh/setup-uv
  aws-actions/configure-aws-credentials azure/login codecov/codecov-action dependabot/fetch-metadata
  docker/build-push-action docker/login-action docker/metadata-action docker/setup-buildx-action
  docker/setup-qemu-action dorny/paths-filter dtolnay/rust-toolchain github/codeql-action
  google-github-actions/auth google-github-actions/setup-gcloud goreleaser/goreleaser-action
  gradle/actions hashicorp/setup-terraform JamesIves/github-pages-deploy-action mikefarah/yq
  ncipollo/release-action peaceiris/actions-gh-pages peter-evans/create-pull-request pnpm/action-setup
  pre-commit/action pypa/gh-action-pypi-publish release-drafter/release-drafter ruby/setup-ruby
  shivammathur/setup-php slackapi/slack-github-action softprops/action-gh-release
  step-security/harden-runner styfle/cancel-workflow-action Swatinem/rust-cache
  tj-actions/changed-files
`);
