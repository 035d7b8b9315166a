/* global URL, Buffer, performance */
/**
 * The load generator of `bench:http`, run in a worker thread so that the clients do not share the
 * server's event loop (with `fetch` in the server's own thread, the client took a large share of
 * the one thread the server had). Plain `node:http` with a keep-alive agent, one socket per
 * client; each client sends its next request when the previous answer has arrived.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * workerData: {base, secret, clients, seconds, perRequest (1 posts /v1/orders/paid, more posts
 * /v1/orders/batch), firstOrder (order numbers start here, so runs never reuse an order id or
 * idempotency key), members}. Answers {orders, requests, errors, seconds, latenciesMs}.
 * Plain JavaScript: worker threads do not get the tsx loader of the main thread on Node 20.
 */

function order(i, members) {
  return { orderId: `o${i}`, memberId: `m${i % members}`, lines: [{ lineId: '1', channel: 'mall', productId: 'p1', paidFen: 10_000 }] };
}

async function run(spec) {
  const url = new URL(spec.base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.clients });
  let next = spec.firstOrder;
  const result = { orders: 0, requests: 0, errors: 0, seconds: 0, latenciesMs: [] };
  const send = (path, key, body) =>
    new Promise((resolve, reject) => {
      const headers = { authorization: `Bearer ${spec.secret}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      if (key !== null) headers['idempotency-key'] = key;
      const req = http.request({ host: url.hostname, port: url.port, path, method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  const until = started + spec.seconds * 1000;
  await Promise.all(Array.from({ length: spec.clients }, async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      let status;
      if (spec.perRequest === 1) {
        const o = order(next++, spec.members);
        status = await send('/v1/orders/paid', `paid:${o.orderId}`, JSON.stringify(o));
      } else {
        const events = Array.from({ length: spec.perRequest }, () => {
          const o = order(next++, spec.members);
          return { type: 'paid', idempotencyKey: `paid:${o.orderId}`, ...o };
        });
        status = await send('/v1/orders/batch', null, JSON.stringify({ events }));
      }
      result.latenciesMs.push(performance.now() - t0);
      result.requests++;
      if (status === 200) result.orders += spec.perRequest;
      else result.errors++;
    }
  }));
  result.seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

if (parentPort !== null && workerData !== null) {
  const port = parentPort;
  run(workerData).then((r) => port.postMessage(r), (err) => port.postMessage({ error: String(err) }));
}
