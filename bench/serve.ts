/**
 * How the benchmark's baseline servers (bare, floor, peer) listen: on 127.0.0.1, the port from PORT
 * (0: any), keep-alive longer than autocannon's, and a line `<name> listening on <port>` on standard
 * output, which bench/scim.ts waits for and reads the port from. SIGTERM and SIGINT close every
 * connection and exit.
 */
import http from 'node:http'

export function serveBench(handler: http.RequestListener, name: string, detail = ''): http.Server {
  const server = http.createServer(handler)
  server.keepAliveTimeout = 65_000
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address()
    process.stdout.write(`${name} listening on ${typeof address === 'object' && address ? address.port : '?'}${detail ? ` ${detail}` : ''}\n`)
  })
  const stop = () => {
    server.close(() => process.exit(0))
    server.closeAllConnections()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  return server
}
