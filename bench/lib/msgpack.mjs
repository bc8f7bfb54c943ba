// A minimal MessagePack decoder for the benchmarks' sink: enough to read the Datadog agent payload that dd-trace
// sends (`/v0.4/traces`: an array of traces, each an array of span maps), so its spans can be counted like OTLP's.
// Not on any hot path: bodies are decoded after each round.

export function decodeMsgpack(buf) {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const str = (n) => {
    const s = buf.toString('utf8', pos, pos + n);
    pos += n;
    return s;
  };
  const bin = (n) => {
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const array = (n) => {
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = read();
    return out;
  };
  const map = (n) => {
    const out = {};
    for (let i = 0; i < n; i++) {
      const key = read();
      out[key] = read();
    }
    return out;
  };
  function read() {
    const b = buf[pos++];
    if (b === undefined) throw new Error('msgpack: truncated');
    if (b < 0x80) return b;
    if (b < 0x90) return map(b & 0x0f);
    if (b < 0xa0) return array(b & 0x0f);
    if (b < 0xc0) return str(b & 0x1f);
    if (b >= 0xe0) return b - 0x100;
    let v;
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: v = buf[pos]; pos += 1; return bin(v);
      case 0xc5: v = view.getUint16(pos); pos += 2; return bin(v);
      case 0xc6: v = view.getUint32(pos); pos += 4; return bin(v);
      case 0xca: v = view.getFloat32(pos); pos += 4; return v;
      case 0xcb: v = view.getFloat64(pos); pos += 8; return v;
      case 0xcc: v = buf[pos]; pos += 1; return v;
      case 0xcd: v = view.getUint16(pos); pos += 2; return v;
      case 0xce: v = view.getUint32(pos); pos += 4; return v;
      case 0xcf: v = view.getBigUint64(pos); pos += 8; return v;
      case 0xd0: v = view.getInt8(pos); pos += 1; return v;
      case 0xd1: v = view.getInt16(pos); pos += 2; return v;
      case 0xd2: v = view.getInt32(pos); pos += 4; return v;
      case 0xd3: v = view.getBigInt64(pos); pos += 8; return v;
      case 0xd9: v = buf[pos]; pos += 1; return str(v);
      case 0xda: v = view.getUint16(pos); pos += 2; return str(v);
      case 0xdb: v = view.getUint32(pos); pos += 4; return str(v);
      case 0xdc: v = view.getUint16(pos); pos += 2; return array(v);
      case 0xdd: v = view.getUint32(pos); pos += 4; return array(v);
      case 0xde: v = view.getUint16(pos); pos += 2; return map(v);
      case 0xdf: v = view.getUint32(pos); pos += 4; return map(v);
      default: throw new Error(`msgpack: unsupported type byte 0x${b.toString(16)}`);
    }
  }
  return read();
}
