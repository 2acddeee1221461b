import type { PolicyPackShape, BandShape, CitationShape } from './schema.js';

/*
 * The policy pack type every layer codes against. It is exactly the validated JSON
 * shape (decimal strings for money and ratios); the engine turns strings into Decimal
 * where it computes. Only packs returned by loadPack/loadBundledPacks are trusted.
 */
export type PolicyPack = PolicyPackShape;
export type Band = BandShape;
export type Citation = CitationShape;
export type BasicLayerPolicy = PolicyPack['basic'];
export type CriticalIllnessPolicy = PolicyPack['criticalIllness'];
export type AssistancePolicy = PolicyPack['assistance'];
export type TiltPolicy = NonNullable<PolicyPack['tilt']>;
export type ExtraLayerPolicy = PolicyPack['extraLayers'][number];
