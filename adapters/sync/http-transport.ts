import http from 'node:http';
import https from 'node:https';

/** One HTTP exchange, with the bytes that crossed the wire both ways (headers included). */
export interface HttpResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Refuse answers larger than this (bytes). */
  readonly maxBody: number;
  readonly timeoutMs: number;
}

/**
 * A keep-alive HTTP client that counts bytes per request from the socket's own counters, so the
 * figures include request and status lines, headers and chunk framing: what really went over TCP.
 */
export class HttpTransport {
  private readonly agents = { http: new http.Agent({ keepAlive: true, maxSockets: 1 }), https: new https.Agent({ keepAlive: true, maxSockets: 1 }) };

  request(r: HttpRequest): Promise<HttpResult> {
    const mod = r.url.protocol === 'https:' ? https : http;
    const agent = r.url.protocol === 'https:' ? this.agents.https : this.agents.http;
    return new Promise((resolve, reject) => {
      let written0 = 0;
      let read0 = 0;
      // With a body, ask first: the peer checks the signed header and says 100 Continue before a byte
      // of the body travels, so a refusal (clock skew, trust) costs no upload and is read cleanly.
      const ask = r.body.length > 0;
      let bodySent = false;
      const sendBody = () => {
        bodySent = true;
        req.end(r.body);
      };
      const req = mod.request(r.url, { method: r.method, agent, headers: { ...r.headers, 'content-length': String(r.body.length), ...(ask ? { expect: '100-continue' } : {}) }, timeout: r.timeoutMs });
      if (ask) req.on('continue', sendBody);
      req.on('socket', (socket) => {
        written0 = socket.bytesWritten;
        read0 = socket.bytesRead;
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from ${r.url.origin} within ${r.timeoutMs} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > r.maxBody) {
            req.destroy(new Error(`the answer from ${r.url.origin} is larger than ${r.maxBody} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const socket = req.socket;
          // Answered without our body: the connection is mid-request and cannot be reused.
          if (!bodySent) setImmediate(() => req.destroy());
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            bytesSent: (socket?.bytesWritten ?? written0) - written0,
            bytesReceived: (socket?.bytesRead ?? read0) - read0,
          });
        });
      });
      if (!ask) sendBody();
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
