import { Module } from '@nestjs/common';

/** `/api/v1/chat` (SPEC §7): imported by the api only. */
@Module({})
export class ChatHttpModule {}
