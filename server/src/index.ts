export { type Config, type ConfigInput, loadConfig } from './config.ts'
export { Connection, type Transport } from './Connection.ts'
export {
  type ConnectContext,
  ConnectionRefused,
  type Extension,
  type RoomContext,
} from './Extension.ts'
export { ORIGIN_LOAD, ORIGIN_SERVER, type Origin } from './origins.ts'
export type { Persistence } from './persistence/Persistence.ts'
export { MemoryPersistence, type MemoryRoomLog } from './persistence/MemoryPersistence.ts'
export { SqlitePersistence } from './persistence/SqlitePersistence.ts'
export { Room } from './Room.ts'
export { LIMIT_NAMES, type LimitName, Limits } from './limits.ts'
export { Rooms } from './Rooms.ts'
export { createServer, type EaselServer, type ServerDeps } from './server.ts'
export { AuthorityExtension, type AuthorityStats } from './authority/AuthorityExtension.ts'
export { type Meter, NOOP_METER, Telemetry } from './observability/telemetry.ts'
export { SqliteAuthority } from './authority/SqliteAuthority.ts'
