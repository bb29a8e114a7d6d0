// Real wallet keys for the simulated world, so ownership proofs (AssociatedWallet, DashboardWalletUser)
// are genuine signatures the production verifier accepts. Keys derive from the seeded stream.
import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { personalMessageHash } from '../src/entity-manager/handlers/common/wallet-signature.js';
import type { Rng } from './rng.js';

export interface EthKey {
  readonly privateKey: string;
  readonly address: string;
}

export function ethKey(rng: Rng): EthKey {
  // Any 32 bytes below the curve order make a key; rejection-sample the (astronomically rare) others.
  for (;;) {
    const priv = rng.hex(32);
    if (!secp256k1.utils.isValidPrivateKey(hexToBytes(priv))) continue;
    const pub = secp256k1.getPublicKey(hexToBytes(priv), false).slice(1);
    return { privateKey: priv, address: `0x${bytesToHex(keccak_256(pub).slice(-20))}` };
  }
}

/** personal_sign: 65 bytes r‖s‖v (v = 27 + recovery), hex with 0x. */
export function personalSign(key: EthKey, message: string): string {
  const sig = secp256k1.sign(personalMessageHash(message), hexToBytes(key.privateKey));
  return `0x${bytesToHex(sig.toCompactRawBytes())}${(27 + sig.recovery).toString(16)}`;
}
