import { type Kysely } from 'kysely';

// Imaging scan (issue 12): where the frames of encapsulated (and bit-packed native) pixel data sit in the blob,
// so they are read by range (`frame_spans`, JSON; NULL: native byte-aligned frames use pixel_offset and
// frame_length, deflated data is inflated whole); which version of the validating scan the row was checked by
// (`scan_version`; 0 = stored before the scan, re-checked by the re-validation pass before reads trust it); and
// why a re-checked instance is quarantined (`quarantine`, NULL when it passed). Frozen in time: never import app
// code here.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('imaging_instances')
    .addColumn('frame_spans', 'text')
    .addColumn('scan_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('quarantine', 'text')
    .execute();
  await db.schema
    .createIndex('imaging_instances_scan')
    .on('imaging_instances')
    .columns(['scan_version'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('imaging_instances_scan').ifExists().execute();
  await db.schema
    .alterTable('imaging_instances')
    .dropColumn('frame_spans')
    .dropColumn('scan_version')
    .dropColumn('quarantine')
    .execute();
}
