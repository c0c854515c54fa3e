export * from './protocol.ts'
export * from './schema.ts'
