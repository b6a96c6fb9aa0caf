/**
 * Which stream carries a room's events. Every instance must compute the same answer for the same
 * room, across restarts and versions, so this is a fixed hash (32-bit FNV-1a of the UTF-8 id),
 * not anything seeded per process. Changing it, or the partition count, while instances of the old
 * layout still run splits rooms between streams: roll such changes out with a full restart.
 */
export function partitionOf(roomId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(roomId, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

export const eventStreamName = (prefix: string, partition: number) => `${prefix}.events.${partition}`;
export const controlQueueName = (prefix: string, instanceId: string) => `${prefix}.control.${instanceId}`;

/** Every stream a deployment with this prefix and partition count declares. */
export function allEventStreams(prefix: string, partitions: number): string[] {
  return Array.from({ length: partitions }, (_, p) => eventStreamName(prefix, p));
}
