// The service map: who calls whom, from two sources of evidence:
//  - a CLIENT span's peer.service (the callee as the caller names it, even when the callee is not traced);
//  - a parent span in one service with a child span in another (the callee as it names itself).
// A cross-service child whose parent is a CLIENT span that already named its peer is the same call seen from the
// other side, so it is not counted twice.

const CLIENT = 3;
const ERROR = 2;

export function buildServiceMap(traces) {
  const nodes = new Map();
  const edges = new Map();
  const node = (name) => {
    let entry = nodes.get(name);
    if (entry === undefined) {
      entry = { service: name, spans: 0, errors: 0, traced: false };
      nodes.set(name, entry);
    }
    return entry;
  };
  const edge = (source, target, isError) => {
    if (source === target) return;
    const key = `${source}\u0000${target}`;
    let entry = edges.get(key);
    if (entry === undefined) {
      entry = { source, target, calls: 0, errors: 0 };
      edges.set(key, entry);
    }
    entry.calls++;
    if (isError) entry.errors++;
    node(target);
  };
  for (const trace of traces) {
    for (const span of trace.spans) {
      const own = node(span.service);
      own.traced = true;
      own.spans++;
      if (span.status.code === ERROR) own.errors++;
      const peer = span.attributes['peer.service'];
      if (span.kind === CLIENT && typeof peer === 'string' && peer !== '') {
        edge(span.service, peer, span.status.code === ERROR);
        continue;
      }
      const parent = span.parentSpanId === '' ? undefined : trace.byId.get(span.parentSpanId);
      if (parent === undefined || parent.service === span.service) continue;
      const parentPeer = parent.attributes['peer.service'];
      if (parent.kind === CLIENT && typeof parentPeer === 'string' && parentPeer !== '') continue;
      edge(parent.service, span.service, span.status.code === ERROR);
    }
  }
  const rate = (entry) => (entry.calls > 0 ? entry.errors / entry.calls : 0);
  return {
    nodes: [...nodes.values()].map((n) => ({ ...n, errorRate: n.spans > 0 ? n.errors / n.spans : 0 })),
    edges: [...edges.values()].map((e) => ({ ...e, errorRate: rate(e) })),
  };
}
