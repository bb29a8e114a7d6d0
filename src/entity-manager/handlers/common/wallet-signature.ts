// Wallet ownership proofs (docs/wallet-signatures.md), with audited libraries only: secp256k1 public-key
// recovery for Ethereum personal_sign, ed25519 for Solana. Returns whether the proof holds; never throws
// on malformed input (a malformed proof is simply not a proof).
import { ed25519 } from '@noble/curves/ed25519';
import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { base58, base64 } from '@scure/base';

/** keccak256("\x19Ethereum Signed Message:\n" + len(message) + message), as personal_sign signs. */
export function personalMessageHash(message: string): Uint8Array {
  const body = utf8ToBytes(message);
  const prefix = utf8ToBytes(`\x19Ethereum Signed Message:\n${body.length}`);
  const all = new Uint8Array(prefix.length + body.length);
  all.set(prefix);
  all.set(body, prefix.length);
  return keccak_256(all);
}

/** The address that signed `message` with personal_sign (65-byte r‖s‖v hex), or undefined. */
export function recoverEthAddress(message: string, signatureHex: string): string | undefined {
  try {
    const sig = hexToBytes(signatureHex.replace(/^0x/i, ''));
    if (sig.length !== 65) return undefined;
    const v = sig[64]!;
    const recovery = v >= 27 ? v - 27 : v;
    if (recovery !== 0 && recovery !== 1) return undefined;
    const pub = secp256k1.Signature.fromCompact(sig.slice(0, 64))
      .addRecoveryBit(recovery)
      .recoverPublicKey(personalMessageHash(message));
    const uncompressed = pub.toRawBytes(false).slice(1);
    return `0x${bytesToHex(keccak_256(uncompressed).slice(-20))}`;
  } catch {
    return undefined;
  }
}

export function verifyEth(wallet: string, message: string, signatureHex: string): boolean {
  const addr = recoverEthAddress(message, signatureHex);
  return addr !== undefined && addr === wallet.toLowerCase();
}

/** ed25519 over the raw UTF-8 message; the wallet is the base58 public key, the signature base64 or base58. */
export function verifySol(wallet: string, message: string, signature: string): boolean {
  try {
    const pub = base58.decode(wallet);
    if (pub.length !== 32) return false;
    let sig: Uint8Array | undefined;
    try {
      sig = base64.decode(signature);
    } catch {
      sig = undefined;
    }
    if (sig?.length !== 64) sig = base58.decode(signature);
    if (sig.length !== 64) return false;
    return ed25519.verify(sig, utf8ToBytes(message), pub);
  } catch {
    return false;
  }
}
