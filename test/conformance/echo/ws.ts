/**
 * A minimal RFC 6455 frame codec, shared by the echo backend (`/ws`) and the runner's client.
 * Only what the conformance exchange needs: text/binary/close/ping/pong frames, client masking,
 * payloads up to 2^53.
 */
import * as crypto from 'crypto';

export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OP_CONT = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

export interface WsFrame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`. */
export function wsAccept(key: string): string {
  return crypto.createHash('sha1').update(key + WS_GUID).digest('base64');
}

export function encodeFrame(opcode: number, payload: Buffer, mask: boolean, fin = true): Buffer {
  const len = payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | opcode];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(...b);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = crypto.randomBytes(4);
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) out[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, out]);
}

/** Incremental frame parser: `push` bytes, get the complete frames (unmasked). */
export class FrameParser {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer): WsFrame[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const frames: WsFrame[] = [];
    for (;;) {
      const b = this.buf;
      if (b.length < 2) break;
      const fin = (b[0] & 0x80) !== 0;
      const opcode = b[0] & 0x0f;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      const maskLen = masked ? 4 : 0;
      if (b.length < off + maskLen + len) break;
      const key = masked ? b.subarray(off, off + 4) : undefined;
      const data = Buffer.from(b.subarray(off + maskLen, off + maskLen + len));
      if (key) for (let i = 0; i < data.length; i++) data[i] ^= key[i & 3];
      frames.push({ fin, opcode, payload: data });
      this.buf = b.subarray(off + maskLen + len);
    }
    return frames;
  }
}
