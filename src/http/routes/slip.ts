import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Db } from '../../db/database.js';
import { findHospitalOnDate } from '../../db/repositories/reference.js';
import { getSettlement } from '../../services/queries.js';
import { slipFromSettlement, SlipInconsistentError, type SlipSource } from '../../slip/from-settlement.js';
import { renderSlipHtml } from '../../slip/html.js';
import type { FallbackFont } from '../../slip/fonts.js';
import { renderSlipPdf } from '../../slip/pdf.js';
import { renderSlipText } from '../../slip/text.js';
import { AppError, ErrorSchema, errorResponses, notFound } from '../errors.js';
import { IdParamsSchema } from '../schemas/settlements.js';

/*
 * GET /v1/settlements/{id}/slip: the slip cashiers print (一单制结算单), as an A5 HTML
 * page, an A5 PDF with its CJK font embedded, or fixed-width text for receipt (48
 * columns) and dot-matrix (80) printers. The format comes from `?format=` when given
 * (a link a cashier can click), else from the Accept header; anything else is 406.
 * Keys bound to a hospital (cashier, hospital roles) read their own hospital's slips
 * only; another hospital's settlement answers 404, as if it did not exist.
 */

const FORMATS = { html: 'text/html', pdf: 'application/pdf', text: 'text/plain' } as const;
type Format = keyof typeof FORMATS;

const SlipQuerySchema = Type.Object(
  {
    format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('pdf'), Type.Literal('text')], { description: 'overrides Accept' })),
    width: Type.Optional(Type.Union([Type.Literal(48), Type.Literal(80)], { default: 48, description: 'columns of the text form (48 receipt, 80 dot-matrix)' })),
  },
  { additionalProperties: false },
);

/**
 * The format Accept prefers, null when none is acceptable. Each format takes the q-value
 * of the most specific range that matches it (RFC 9110 §12.5.1: text/html;q=0 refuses
 * HTML even beside the any-type wildcard); the highest q wins, ties by our order.
 */
export function negotiate(accept: string | undefined): Format | null {
  if (!accept || accept.trim() === '') return 'html';
  const ranges = accept.split(',').map((part) => {
    const [range = '', ...params] = part.trim().toLowerCase().split(';').map((s) => s.trim());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    return { range, q: Number.isFinite(q) ? q : 0 };
  });
  let best: { format: Format; q: number } | null = null;
  for (const [format, type] of Object.entries(FORMATS) as Array<[Format, string]>) {
    const specificity = (range: string) => (range === type ? 3 : range === `${type.split('/')[0]}/*` ? 2 : range === '*/*' ? 1 : 0);
    let q = 0;
    let most = 0;
    for (const r of ranges) {
      const s = specificity(r.range);
      if (s > most) [most, q] = [s, r.q];
    }
    if (q > 0 && (best === null || q > best.q)) best = { format, q };
  }
  return best?.format ?? null;
}

/** Everything a slip needs, read with the caller's hospital scope applied. */
async function loadSlipSource(db: Db, id: string, hospitalScope: string | null): Promise<SlipSource> {
  const record = await getSettlement(db, id);
  // The hospital as on the discharge date (the date the settlement took its level from,
  // through the same SQL): hospitals.name already carries a change scheduled for later.
  const hospital = await findHospitalOnDate(db, record.hospitalCode, record.dischargeDate);
  if (!hospital || (hospitalScope !== null && hospital.id !== hospitalScope)) throw notFound('SETTLEMENT_NOT_FOUND', id);
  if (record.kind !== 'settlement') {
    throw new AppError('BAD_REQUEST', `${id} is a reversal; print the slip of the settlement it reverses (${record.reverses})`, { reverses: record.reverses });
  }
  // The person's name and ID card stay out of the API records; the slip masks them.
  const person = await db.selectFrom('persons').select(['name', 'id_card']).where('id', '=', record.personId).executeTakeFirst();
  if (!person) throw new AppError('INTERNAL', `person ${record.personId} of settlement ${id} is missing`);
  const reversal = record.reversedBy ? await getSettlement(db, record.reversedBy) : null;
  return {
    record,
    hospital: { code: hospital.code, name: hospital.name },
    person: { name: person.name, idCard: person.id_card },
    reversal: reversal ? { id: reversal.id, createdAt: reversal.createdAt } : null,
  };
}

export const slipRoutes: FastifyPluginAsyncTypebox<{ db: Db; fallbackFonts: readonly FallbackFont[] }> = async (app, deps) => {
  app.get(
    '/settlements/:id/slip',
    {
      schema: {
        tags: ['settlements'],
        security: [{ apiKey: [] }],
        summary: '结算单: the printable slip (HTML A5, PDF A5, or text 48/80 columns)',
        description: 'Format by `?format=` or Accept: text/html (default), application/pdf, text/plain (`?width=48|80`). ' +
          'Name and ID-card number are masked (张*三, first 6 + last 4 of the ID card). A reversed settlement prints with 已撤销 and the reversal id.',
        params: IdParamsSchema,
        querystring: SlipQuerySchema,
        produces: Object.values(FORMATS),
        response: {
          200: {
            description: 'the slip',
            content: {
              'text/html': { schema: Type.String() },
              'application/pdf': { schema: Type.String({ format: 'binary' }) },
              'text/plain': { schema: Type.String() },
            },
          },
          406: ErrorSchema,
          ...errorResponses(404),
        },
      },
    },
    async (req, reply) => {
      const format = req.query.format ?? negotiate(req.headers.accept);
      if (format === null) {
        return reply.code(406).send({ code: 'NOT_ACCEPTABLE', message: `the slip is available as ${Object.values(FORMATS).join(', ')}`, details: { accept: req.headers.accept ?? '' } });
      }
      const source = await loadSlipSource(deps.db, req.params.id, req.principal?.hospitalId ?? null);
      let slip;
      try {
        slip = slipFromSettlement(source);
      } catch (e) {
        // A stored settlement that does not add up is a defect on our side, never printed.
        if (e instanceof SlipInconsistentError) throw new AppError('INTERNAL', e.message);
        throw e;
      }
      reply.header('vary', 'accept').header('cache-control', 'no-store');
      if (format === 'pdf') {
        const pdf = await renderSlipPdf(slip, {
          fallbackFonts: deps.fallbackFonts,
          // Code points only: the characters are a patient's name.
          onMissingGlyphs: (missingGlyphs) =>
            req.log.warn({ settlementId: slip.settlement.id, missingGlyphs }, 'PDF slip drawn with blank boxes: no font has these characters (see SLIP_FALLBACK_FONTS)'),
        });
        // The typed reply knows the schema's string; a Buffer is what fastify sends as bytes.
        return reply.type(FORMATS.pdf).header('content-disposition', `inline; filename="slip-${slip.settlement.id}.pdf"`).send(pdf as unknown as string);
      }
      if (format === 'text') return reply.type('text/plain; charset=utf-8').send(renderSlipText(slip, req.query.width ?? 48));
      return reply.type('text/html; charset=utf-8').send(renderSlipHtml(slip));
    },
  );
};
