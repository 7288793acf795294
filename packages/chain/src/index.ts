export { type AnvilInstance, anvilBinary, type StartAnvilOptions, startAnvil } from "./anvil.js";
export {
  type BesuGenesisOptions,
  besuGenesis,
  besuNodeConfig,
  CREATE2_FACTORY_RUNTIME,
  type QbftExtraData,
  qbftExtraData,
} from "./besu.js";
export {
  type ChainPublicClient,
  type ChainRef,
  type ChainWalletClient,
  publicClientFor,
  viemChain,
  walletClientFor,
} from "./clients.js";
export {
  CONSENT_DOMAIN_NAME,
  CONSENT_DOMAIN_VERSION,
  type ConsentScope,
  type ConsentTerms,
  consentDomain,
  consentId,
  consentScopes,
  consentTypes,
  type DataClassName,
  dataClassCodes,
  type ErasureReasonName,
  erasureReasonCodes,
  isConsentScope,
  maskToScopes,
  regionCode,
  regionFromCode,
  scopeBit,
  scopesToMask,
  signConsent,
  signRevocation,
  type TypedDataSigner,
  validateConsentTerms,
} from "./consent.js";
export {
  CREATE2_FACTORY,
  contractsOf,
  type DeployChainResult,
  DeploymentError,
  deployChain,
  deployTopology,
  initCode,
  predictAddress,
  roleId,
  salt,
} from "./deploy.js";
export { DEV_MNEMONIC_TEST_ONLY, devAccount, devKeyIndex, devPrivateKey, devPrivateKeyOf } from "./devKeys.js";
export { FIRST_RSU_DEV_KEY, type RsuSpec, rsuKey, rsuSpec, rsuSpecs } from "./edge.js";
export { execute, type ProposalAction, propose, setValidatorSetAction, vote } from "./governance.js";
export { deployerKey, memberKey, relayerKey, validatorKeys } from "./keys.js";
export {
  type Delivery,
  type DispatchParameters,
  type DispatchResult,
  dispatch,
  findDelivery,
  waitForDelivery,
} from "./mailbox.js";
export {
  type ContractName,
  contractAddress,
  contractNames,
  type DeploymentManifest,
  manifestSchema,
  readManifest,
  writeManifest,
} from "./manifest.js";
export {
  addressToBytes32,
  attestationDigest,
  bytes32ToAddress,
  decodeMessage,
  encodeMessage,
  MAX_BODY_BYTES,
  MESSAGE_HEADER_BYTES,
  MESSAGE_VERSION,
  messageId,
  SIGNING_TAG,
  type XChainMessage,
} from "./message.js";
export { defaultHome, type PlatformPaths, platformPaths } from "./paths.js";
export { freePort, freePortRange, isPortFree } from "./ports.js";
export {
  type ChainConfig,
  type ChainRole,
  chainById,
  chainByName,
  chainRoles,
  defaultTopologyFile,
  loadTopology,
  type MemberConfig,
  type ModuleName,
  mainChain,
  moduleNames,
  parseTopology,
  type RoleName,
  roleNames,
  rpcPort,
  type Topology,
  topologySchema,
} from "./topology.js";
