import http from 'node:http'
import type Koa from 'koa'
import type { Logger } from '../log.js'

export interface RunningServer {
  server: http.Server
  port: number
  /** Stops accepting, lets in-flight requests finish (up to timeoutMs), then closes what is left. */
  close(timeoutMs: number): Promise<void>
}

export async function listen(app: Koa, port: number, host: string, log: Logger): Promise<RunningServer> {
  const server = http.createServer(app.callback())
  // Keep-alive sockets beyond what a load balancer's idle timeout expects would linger on shutdown.
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
  server.requestTimeout = 120_000
  // Requests Node's parser refuses before Roster sees them (malformed, headers too large, a request
  // that timed out) would otherwise get a bare status line: answer in problem JSON like the rest.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) return socket.destroy()
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
    const title = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'
    const body = JSON.stringify({ type: 'about:blank', title, status, detail: status === 400 ? 'the request is not valid HTTP' : title.toLowerCase() })
    socket.end(`HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  // Keep-alive connections must not hold shutdown open: once closing, every response asks the
  // client to close, and each connection is closed as soon as its last response is done.
  let closing = false
  const active = new Set<http.ServerResponse>()
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    active.add(res)
    if (closing) res.shouldKeepAlive = false
    res.on('close', () => {
      active.delete(res)
      if (closing) server.closeIdleConnections()
    })
  })
  const address = server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  return {
    server,
    port: actualPort,
    close: (timeoutMs) =>
      new Promise<void>((resolve) => {
        closing = true
        for (const res of active) if (!res.headersSent) res.shouldKeepAlive = false
        const force = setTimeout(() => {
          log.warn('shutdown timeout reached: closing remaining connections')
          server.closeAllConnections()
        }, timeoutMs)
        force.unref()
        server.close(() => {
          clearTimeout(force)
          resolve()
        })
        // Idle keep-alive connections would otherwise hold close() open until they time out.
        server.closeIdleConnections()
      }),
  }
}
