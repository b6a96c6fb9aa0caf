import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

/** Validates a body or parameter against a zod schema at the edge; 400 names the bad field (`field` in the problem). */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  /** `name`: what to call the value when the schema has no field path (a route parameter). */
  constructor(
    private readonly schema: S,
    private readonly name = 'value',
  ) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || this.name;
    throw new BadRequestException({ message: `${field}: ${issue.message}`, field });
  }
}
