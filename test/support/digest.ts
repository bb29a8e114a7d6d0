// The simulator's canonical table digest, shared by tests.
export { digestTables, type TableDigest } from '../../sim/golden.js';
