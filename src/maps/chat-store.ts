import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThan } from 'typeorm';
import type { SaidEvent } from '../protocol/messages';
import { ChatLineEntity } from './entities';
import { DATA_SOURCE, MapStore } from './map-store';
import { fromDatabase } from './sql-errors';

/** The durable chat history of the rooms (MySQL, or the SQLite file in embedded mode). */
@Injectable()
export class ChatStore {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly maps: MapStore,
  ) {}

  /**
   * Records a line inside one SQL transaction whose last step before the commit is `takeSeq`
   * (the room state's append, which assigns the seq). See ChatService for why in this order.
   */
  async record(takeSeq: () => Promise<SaidEvent>): Promise<SaidEvent> {
    return this.maps.transaction(async (m) => {
      const said = await takeSeq();
      await m.insert(ChatLineEntity, rowOf(said));
      return said;
    });
  }

  /**
   * The same row again, outside any transaction: the retry of a line whose commit failed. A commit
   * can fail and still have happened (the connection dropped on its reply), hence the look first.
   */
  async insert(said: SaidEvent): Promise<void> {
    const repo = this.ds.getRepository(ChatLineEntity);
    const row = rowOf(said);
    const { roomId, seq, userId, at } = row;
    if (await repo.exists({ where: { roomId, seq, userId, at } }).catch(fromDatabase)) return;
    await repo.insert(row).catch(fromDatabase);
  }

  /** The highest seq of the room's chat lines, in any epoch (0: none). */
  async highestSeq(roomId: string): Promise<number> {
    const row = await this.ds
      .getRepository(ChatLineEntity)
      .createQueryBuilder('line')
      .select('MAX(line.seq)', 'seq')
      .where('line.roomId = :roomId', { roomId })
      .getRawOne<{ seq: number | string | null }>()
      .catch(fromDatabase);
    return Number(row?.seq ?? 0);
  }

  /** Up to `limit` lines of the room with seq < `before` (all when undefined), oldest first. */
  async page(roomId: string, limit: number, before?: number): Promise<SaidEvent[]> {
    const rows = await this.ds
      .getRepository(ChatLineEntity)
      .find({
        where: before === undefined ? { roomId } : { roomId, seq: LessThan(before) },
        order: { seq: 'DESC', id: 'DESC' },
        take: limit,
      })
      .catch(fromDatabase);
    return rows.reverse().map(eventOf);
  }
}

function rowOf(e: SaidEvent): Omit<ChatLineEntity, 'id'> {
  return { roomId: e.roomId, seq: e.seq, userId: e.userId, name: e.name, text: e.text, at: e.at };
}

function eventOf(r: ChatLineEntity): SaidEvent {
  return { type: 'said', roomId: r.roomId, seq: r.seq, userId: r.userId, name: r.name, text: r.text, at: r.at };
}
