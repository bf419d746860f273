import { type Control, defineControl, type FrameworkCatalog } from '../control'

const control = (
  key: string,
  ref: string,
  title: string,
  description: string,
  options?: { required?: boolean; aliases?: readonly string[]; note?: string },
): Control => defineControl('eu_ai_act', ref, key, title, description, options)

/**
 * Regulation (EU) 2024/1689 (the AI Act): the provider and deployer obligations for high-risk AI
 * systems that technical evidence can show. Art. 1–5 (scope, prohibited practices), 51–56 (GPAI) and
 * 57–101 (authorities, conformity assessment, registration) need legal or organisational evidence and
 * are out of scope.
 */
export const EU_AI_ACT: FrameworkCatalog = {
  framework: 'eu_ai_act',
  label: 'EU AI Act',
  edition: 'Regulation (EU) 2024/1689',
  controls: [
    control(
      'art_9',
      'Art. 9',
      'Risk management system',
      'A risk management system is established, implemented, documented and maintained for the high-risk AI system, run as a continuous iterative process over its lifecycle, including testing.',
    ),
    control(
      'art_10',
      'Art. 10',
      'Data and data governance',
      'Training, validation and testing data sets are subject to data governance and management practices, including examination for possible biases (Art. 10(2)(f)).',
    ),
    control(
      'art_11',
      'Art. 11',
      'Technical documentation',
      'Technical documentation (Annex IV) is drawn up before the system is placed on the market or put into service and kept up to date.',
    ),
    control(
      'art_12',
      'Art. 12',
      'Record-keeping',
      'The high-risk AI system technically allows the automatic recording of events (logs) over its lifetime.',
      {
        required: false,
        note: 'Evidenced by attestations in the ledger (mima.attest), not by GRC records; not counted in GRC readiness.',
      },
    ),
    control(
      'art_13',
      'Art. 13',
      'Transparency and provision of information to deployers',
      'The system is designed so deployers can interpret its output, and comes with instructions for use stating its intended purpose, accuracy, robustness and oversight measures.',
    ),
    control(
      'art_14',
      'Art. 14',
      'Human oversight',
      'The system can be effectively overseen by natural persons during use, who can decide not to use it, or disregard, override or reverse its output.',
    ),
    control(
      'art_15',
      'Art. 15',
      'Accuracy, robustness and cybersecurity',
      'The system achieves an appropriate level of accuracy, robustness and cybersecurity; levels of accuracy and the relevant metrics are declared in the instructions for use.',
    ),
    control(
      'art_15.4',
      'Art. 15(4)',
      'Accuracy, robustness and cybersecurity: robustness',
      'The system is as resilient as possible regarding errors, faults or inconsistencies within the system or its environment.',
      { aliases: ['EUAIA_ART15_R'] },
    ),
    control(
      'art_17',
      'Art. 17',
      'Quality management system',
      'Providers put a quality management system in place, documented as written policies, procedures and instructions covering design, development, testing and post-market monitoring.',
    ),
    control(
      'art_26',
      'Art. 26',
      'Obligations of deployers of high-risk AI systems',
      'Deployers use the system according to its instructions, assign human oversight to competent persons, ensure input data is relevant, keep logs and inform workers affected.',
    ),
    control(
      'art_72',
      'Art. 72',
      'Post-market monitoring by providers and post-market monitoring plan for high-risk AI systems',
      'Providers actively and systematically collect, document and analyse data on the performance of high-risk AI systems throughout their lifetime.',
    ),
    control(
      'art_73',
      'Art. 73',
      'Reporting of serious incidents',
      'Providers report any serious incident to the market surveillance authorities of the Member State where it occurred.',
    ),
  ],
}
