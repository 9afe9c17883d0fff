import { connect } from 'node:net';

/** One HTTP response as it came off the socket. */
export interface WireReply {
  readonly status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly text: string;
}

/**
 * Writes `head` (request line and headers, without the blank line) as is to host:port and reads
 * until the server closes: no client adds, normalizes or drops a `Host` header on the way.
 */
export function wire(port: number, head: string, address = '127.0.0.1'): Promise<WireReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, address, () => socket.write(`${head}\r\nconnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = text.slice(0, split === -1 ? text.length : split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: split === -1 ? '' : text.slice(split + 4),
        text,
      });
    });
  });
}
