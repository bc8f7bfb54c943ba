// A protobuf wire-format reader: just the primitives the OTLP decoders need (varints, fixed32/64, doubles,
// length-delimited fields). Kept here instead of shipping protobufjs and the generated OTLP schema at run time,
// which would add megabytes to the install for the few hundred lines of schema this server reads.

const TWO_POW_32 = 4294967296;

export class ProtoError extends Error {}

export class ProtoReader {
  /**
   * @param {Uint8Array} bytes
   * Nested readers share the parent's Buffer and DataView: creating them per message cost more than decoding.
   */
  constructor(bytes, start = 0, end = bytes.length, shared = undefined) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.buf = shared?.buf ?? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = shared?.view ?? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    /** Wire type of the field last read by tag(). */
    this.wire = 0;
  }

  done() {
    return this.pos >= this.end;
  }

  /** Reads a field key; returns the field number and leaves its wire type in `this.wire`. */
  tag() {
    const key = this.uint32();
    const field = key >>> 3;
    if (field === 0) throw new ProtoError('field number 0');
    this.wire = key & 7;
    return field;
  }

  /** A varint that fits 32 bits (longer varints keep their low 32 bits, as protobuf does for uint32/int32). */
  uint32() {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError('truncated varint');
      const byte = this.bytes[this.pos++];
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result >>> 0;
      shift += 7;
    }
    throw new ProtoError('varint longer than 10 bytes');
  }

  /** An int64 varint as a number when it is safe, else as a decimal string (as OTLP JSON writes int64). */
  int64() {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError('truncated varint');
      const byte = this.bytes[this.pos++];
      const bits = byte & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (byte < 0x80) return int64Value(lo >>> 0, hi >>> 0);
      shift += 7;
    }
    throw new ProtoError('varint longer than 10 bytes');
  }

  bool() {
    return this.uint32() !== 0;
  }

  /** fixed64 as a decimal string: nanosecond timestamps do not fit a double exactly. */
  fixed64String() {
    const lo = this.fixed32();
    const hi = this.fixed32();
    if (hi < 0x200000) return String(hi * TWO_POW_32 + lo);
    // Exact without BigInt (which cost more than the rest of a span): hi·2^32 = hi·4294·10^6 + hi·967296.
    let high = hi * 4294;
    let low = hi * 967296 + lo;
    const carry = Math.floor(low / 1e6);
    high += carry;
    low -= carry * 1e6;
    return `${high}${String(low).padStart(6, '0')}`;
  }

  /** fixed64 as a number (counts; precision loss above 2^53 is acceptable there). */
  fixed64Number() {
    const lo = this.fixed32();
    const hi = this.fixed32();
    return hi * TWO_POW_32 + lo;
  }

  sfixed64() {
    const lo = this.fixed32();
    const hi = this.fixed32();
    return int64Value(lo, hi);
  }

  fixed32() {
    if (this.pos + 4 > this.end) throw new ProtoError('truncated fixed32');
    const value = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return value;
  }

  double() {
    if (this.pos + 8 > this.end) throw new ProtoError('truncated double');
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** The [start, end) range of a length-delimited field. */
  range() {
    const length = this.uint32();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) throw new ProtoError('length-delimited field runs past its message');
    this.pos = end;
    return [start, end];
  }

  /** A sub-reader over a nested message. */
  message() {
    const length = this.uint32();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) throw new ProtoError('length-delimited field runs past its message');
    this.pos = end;
    return new ProtoReader(this.bytes, start, end, this);
  }

  string() {
    const length = this.uint32();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) throw new ProtoError('length-delimited field runs past its message');
    this.pos = end;
    // Attribute keys and short values are mostly ASCII; building those directly beats a UTF-8 decoder call.
    if (length < 24) {
      let out = '';
      for (let i = start; i < end; i++) {
        const c = this.bytes[i];
        if (c >= 0x80) return this.buf.toString('utf8', start, end);
        out += String.fromCharCode(c);
      }
      return out;
    }
    return this.buf.toString('utf8', start, end);
  }

  /** Bytes as lowercase hex (OTLP ids). */
  hex() {
    const [start, end] = this.range();
    return this.buf.toString('hex', start, end);
  }

  base64() {
    const [start, end] = this.range();
    return this.buf.toString('base64', start, end);
  }

  /** Packed repeated fields: calls read() until the packed range ends; a single unpacked element reads once. */
  repeated(wireType, read) {
    if (wireType !== 2) return [read()];
    const [start, end] = this.range();
    const saved = this.end;
    const after = this.pos;
    this.pos = start;
    this.end = end;
    const out = [];
    while (this.pos < end) out.push(read());
    this.pos = after;
    this.end = saved;
    return out;
  }

  skip(wireType) {
    switch (wireType) {
      case 0:
        this.int64();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.range();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new ProtoError(`unsupported wire type ${wireType}`);
    }
  }

  advance(count) {
    if (this.pos + count > this.end) throw new ProtoError('truncated field');
    this.pos += count;
  }
}

function int64Value(lo, hi) {
  if (hi & 0x80000000) {
    // Two's complement negative value.
    const value = -((~hi >>> 0) * TWO_POW_32 + (~lo >>> 0) + 1);
    if (Number.isSafeInteger(value)) return value;
    return ((BigInt(hi) << 32n) | BigInt(lo)) - (1n << 64n) + '';
  }
  const value = hi * TWO_POW_32 + lo;
  if (Number.isSafeInteger(value)) return value;
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}
