import { Inject, Injectable } from '@nestjs/common';
import type { RoomAccess } from '../domain/access';
import { LOGGER, type Logger } from '../logging/logger';
import { AccessStore } from '../maps/access-store';
import { UnavailableError } from '../protocol/errors';
import { ROOM_STATE, type RoomStateStore } from '../state/room-state.port';

/** Rooms whose rules this instance keeps (the most recently entered ones). */
const MAX_KNOWN_ROOMS = 10_000;
/**
 * How long rules read here are used without reading them again. Their version is what keeps them
 * right (an enter checked against a replaced version is refused and checked again); this only
 * bounds how long a change whose second version mark was lost (see change) can go unseen here.
 */
export const ENTRY_RULES_TRUST_MS = 30_000;

/** A room's entry rules and the version they were read at (undefined: read in an outage, unversioned). */
export interface KnownRules {
  access: RoomAccess;
  version?: string;
}

interface Entry extends KnownRules {
  version: string;
  readAt: number;
}

/**
 * Each room's entry rules as this instance last read them from the durable store, with the version
 * of the rules (in the live room state) they were read under. An enter checks the user against
 * these, then its write carries the version, and the room state refuses the write when the rules
 * changed since (AccessChangedError): the caller reads them again and checks again. So an enter
 * costs one round trip (the room state's) instead of a SQL read before it, and a change still
 * applies at once on every instance: no enter checked against the old rules gets in after it.
 *
 * Why the order of reads is safe: the version is read before the rules, and every change marks a
 * new version after its commit. Rules that miss a change were read before its commit, so before
 * its mark, and their version is an older one.
 *
 * While the database is unreachable, an enter uses the rules this instance last read for the room
 * without a version (no change can be stored meanwhile either), so players keep entering rooms
 * that are live here, as they do for the cached map; a room whose rules were never read here is
 * refused (UNAVAILABLE).
 */
@Injectable()
export class EntryRules {
  private readonly known = new Map<string, Entry>();

  constructor(
    @Inject(ROOM_STATE) private readonly state: RoomStateStore,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly store: AccessStore,
  ) {}

  /** The rules an enter checks: this instance's copy while it is recent, else read anew. */
  async current(roomId: string, now = Date.now()): Promise<KnownRules> {
    const entry = this.known.get(roomId);
    if (entry && now - entry.readAt < ENTRY_RULES_TRUST_MS) return entry;
    return this.reread(roomId);
  }

  /** Reads the rules anew (after AccessChangedError, or once the copy here is old). */
  async reread(roomId: string): Promise<KnownRules> {
    const readAt = Date.now();
    let entry: Entry;
    try {
      // The version first: see the class comment.
      const version = await this.state.accessVersion(roomId);
      entry = { version, access: await this.store.read(roomId), readAt };
    } catch (err) {
      const last = err instanceof UnavailableError ? this.known.get(roomId) : undefined;
      if (last) return { access: last.access };
      throw err;
    }
    // Most recently read last, so the oldest goes first when the map is full.
    this.known.delete(roomId);
    this.known.set(roomId, entry);
    if (this.known.size > MAX_KNOWN_ROOMS) this.known.delete(this.known.keys().next().value!);
    return entry;
  }

  /**
   * Runs `write`, a change of the room's rules in the durable store, between two marks of a new
   * version. The first, before anything is stored, means a room state that cannot be reached
   * refuses the change with nothing changed. The second, after the commit, is what makes every
   * instance read the rules again: copies read between the two marks may predate the commit. If
   * that second mark fails, the change is stored but the caller gets the error (retrying it is
   * harmless); copies read between the marks then stay in use for ENTRY_RULES_TRUST_MS at most.
   */
  async change<T>(roomId: string, write: () => Promise<T>): Promise<T> {
    await this.state.accessChanged(roomId);
    this.known.delete(roomId);
    const result = await write();
    this.known.delete(roomId);
    try {
      await this.state.accessChanged(roomId);
    } catch (err) {
      this.log.error(
        { err, room: roomId },
        `entry rules stored, but their new version could not be marked: other instances may admit by the old rules for up to ${ENTRY_RULES_TRUST_MS / 1000} s`,
      );
      throw err;
    }
    return result;
  }
}
