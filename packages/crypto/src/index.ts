// Pure cryptographic building blocks of AutoMobile Chain: no I/O, only computation over bytes.
export {
  type BuildMerkleTreeOptions,
  buildMerkleTree,
  type MerkleMultiProof,
  type MerkleTree,
  processMultiProof,
  processProof,
  type SimpleMerkleTreeData,
  standardLeafHash,
  verifyMerkleMultiProof,
  verifyMerkleProof,
} from "./merkle.js";
export * as paillier from "./paillier/index.js";
export * from "./privacy/index.js";
export * as secagg from "./secagg/index.js";
export * as umbral from "./umbral/index.js";
