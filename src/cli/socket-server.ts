import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import type { Config } from '../config.js'
import type { Logger } from '../log.js'
import type { Store } from '../domain/store.js'
import { runAs } from './invocation.js'
import { MAX_REQUEST_BYTES, socketPath, type SocketReply, type SocketRequest } from './socket-protocol.js'

/** The running server's end of the local socket: `roster` commands run here, on the open store. */
export interface CliSocket {
  path: string
  /** Stops accepting, lets running commands finish (up to timeoutMs), removes the socket file. */
  close(timeoutMs: number): Promise<void>
}

// A Unix socket path is limited to 107 bytes on Linux (103 on macOS).
const MAX_SOCKET_PATH = 103

type RunCli = (argv: string[]) => Promise<number>
let cli: Promise<RunCli> | undefined
/** The CLI program, loaded on first use (it imports every command). */
const loadCli = (): Promise<RunCli> => (cli ??= import('./main.js').then((m) => m.run))

/**
 * Listens on DATA_DIR/roster.sock (mode 0600). Only processes of the same OS user (or root) can
 * connect: the socket file's mode is the authorisation, as for the data files beside it. Returns
 * null when there is no socket to offer (with DATABASE_URL and no DATA_DIR directory, a path too
 * long for a socket, or another live server on it).
 */
export async function listenCliSocket(config: Config, store: Store, log: Logger): Promise<CliSocket | null> {
  // The server works without it (commands then need it stopped): a failure here is a warning.
  return listen(config, store, log).catch((err: unknown) => {
    log.warn({ err: (err as Error).message }, 'cannot listen on the CLI socket: roster commands cannot reach this server')
    return null
  })
}

async function listen(config: Config, store: Store, log: Logger): Promise<CliSocket | null> {
  const dir = config.dataDir
  const file = socketPath(dir)
  // With a server database DATA_DIR is optional: offer the socket only where the directory exists.
  if (!fs.existsSync(dir)) return null
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH) {
    log.warn({ socket: file }, 'DATA_DIR is too long a path for the CLI socket: roster commands cannot reach this server (use a shorter DATA_DIR)')
    return null
  }
  if (fs.existsSync(file)) {
    if (await answers(file)) {
      log.warn({ socket: file }, 'another Roster server answers on the CLI socket of this DATA_DIR: roster commands go to it, not to this server')
      return null
    }
    // Left by a server that was killed: nothing listens, so replace it.
    fs.rmSync(file, { force: true })
  }
  const running = new Set<Promise<void>>()
  const server = net.createServer((socket) => {
    const done = serve(socket, config, store, log).catch((err: unknown) => log.warn({ err }, 'CLI socket connection failed'))
    running.add(done)
    void done.finally(() => running.delete(done))
  })
  // Bound under a random name, made 0600, then renamed into place: the well-known path never
  // exists with the umask's (possibly wider) mode.
  const temporary = path.join(dir, `.roster-${crypto.randomBytes(6).toString('hex')}.sock`)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(temporary, () => {
      server.off('error', reject)
      resolve()
    })
  })
  try {
    fs.chmodSync(temporary, 0o600)
    fs.renameSync(temporary, file)
  } catch (err) {
    server.close()
    fs.rmSync(temporary, { force: true })
    throw err
  }
  const inode = fs.statSync(file).ino
  server.on('error', (err) => log.warn({ err }, 'CLI socket error'))
  // Load the commands now, so that the first `roster` command does not wait for them.
  setImmediate(() => void loadCli().catch((err: unknown) => log.warn({ err }, 'cannot load the CLI commands')))
  log.debug({ socket: file }, 'CLI socket listening')
  return {
    path: file,
    async close(timeoutMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Remove the file only if it is still ours (a newer server may have replaced it).
      try {
        if (fs.statSync(file).ino === inode) fs.rmSync(file, { force: true })
      } catch {
        // Already gone.
      }
      let timer: NodeJS.Timeout | undefined
      await Promise.race([Promise.all(running), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
      clearTimeout(timer)
      await closed
    },
  }
}

/** Whether a server listens on the socket file (a killed server's file refuses connections). */
function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(file)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
}

async function serve(socket: net.Socket, config: Config, store: Store, log: Logger): Promise<void> {
  socket.on('error', () => undefined) // A client that went away (Ctrl-C): its command still finishes.
  const send = (reply: SocketReply) => {
    if (socket.writable) socket.write(`${JSON.stringify(reply)}\n`)
  }
  let request: SocketRequest
  try {
    request = parseRequest(await firstLine(socket))
  } catch (err) {
    send({ err: `roster: ${(err as Error).message}\n` })
    send({ exit: 2 })
    socket.end()
    return
  }
  if ((request.databaseUrl ?? undefined) !== config.databaseUrl) {
    send({ decline: 'the server on this DATA_DIR uses another store' })
    socket.end()
    return
  }
  const run = await loadCli()
  const command = request.argv.filter((a, i, all) => !a.startsWith('-') && all.slice(0, i).every((b) => !b.startsWith('-')))
  const exit = await runAs(
    {
      stdout: (text) => send({ out: text }),
      stderr: (text) => send({ err: text }),
      isTTY: request.isTTY,
      cwd: request.cwd,
      env: request.env,
      user: request.user,
      server: { config, store },
    },
    () => run(request.argv),
  )
  log.info({ command: command.join(' '), user: request.user, exit }, 'roster command through the CLI socket')
  send({ exit })
  socket.end()
}

function firstLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const end = buffered.indexOf('\n')
      if (end >= 0) {
        cleanup()
        resolve(buffered.slice(0, end))
      } else if (buffered.length > MAX_REQUEST_BYTES) {
        cleanup()
        reject(new Error('request too large'))
      }
    }
    const onEnd = () => {
      cleanup()
      reject(new Error('the client closed the connection before sending its command'))
    }
    const cleanup = () => {
      socket.off('data', onData)
      socket.off('end', onEnd)
    }
    socket.on('data', onData)
    socket.on('end', onEnd)
  })
}

function parseRequest(line: string): SocketRequest {
  const r = JSON.parse(line) as Partial<SocketRequest>
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string')
  if (
    !strings(r.argv) ||
    typeof r.cwd !== 'string' ||
    !path.isAbsolute(r.cwd) ||
    typeof r.user !== 'string' ||
    typeof r.isTTY !== 'boolean' ||
    typeof r.env !== 'object' ||
    r.env === null ||
    !(r.databaseUrl === null || typeof r.databaseUrl === 'string')
  ) {
    throw new Error('malformed request on the CLI socket (a roster client of another version?)')
  }
  return r as SocketRequest
}
