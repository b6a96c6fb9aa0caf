import { Module } from '@nestjs/common';
import { AccessStore } from './access-store';
import { ChatStore } from './chat-store';
import { HistoryStore } from './history-store';
import { MapStore } from './map-store';

/** Durable rooms, maps, libraries, chat history and the rooms' timeline (the database connection itself is InfraModule's). */
@Module({
  providers: [MapStore, ChatStore, AccessStore, HistoryStore],
  exports: [MapStore, ChatStore, AccessStore, HistoryStore],
})
export class MapsModule {}
