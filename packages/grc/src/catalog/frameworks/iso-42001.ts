import { type Control, defineControl, type FrameworkCatalog } from '../control'

const control = (
  key: string,
  title: string,
  description: string,
  options?: { required?: boolean; aliases?: readonly string[]; note?: string },
): Control => defineControl('iso_42001', key, key, title, description, options)

/**
 * ISO/IEC 42001:2023, AI management system: the clauses and Annex A controls that Mima's evidence
 * records can show. The reference is the clause or Annex A number as the standard writes it.
 */
export const ISO_42001: FrameworkCatalog = {
  framework: 'iso_42001',
  label: 'ISO 42001',
  edition: 'ISO/IEC 42001:2023',
  controls: [
    control(
      '6.1.2',
      'AI risk assessment',
      'The organization defines and applies an AI risk assessment process that identifies, analyses and evaluates AI risks.',
      { aliases: ['ISO42001_6.1', 'ISO42001_6_1'] },
    ),
    control(
      '6.1.4',
      'AI system impact assessment',
      'The organization defines a process for assessing the potential consequences of AI systems for individuals, groups and societies.',
    ),
    control(
      '6.2',
      'AI objectives and planning to achieve them',
      'The organization establishes AI objectives at relevant functions and levels and plans how to achieve them.',
      { required: false, note: 'An organisational decision; no Mima record evidences it.' },
    ),
    control(
      '7.3',
      'Awareness',
      'Persons doing work under the organization’s control are aware of the AI policy and their contribution to the AI management system.',
    ),
    control(
      '8.1',
      'Operational planning and control',
      'The organization plans, implements and controls the processes needed to meet requirements, controls planned changes and reviews the consequences of unintended changes.',
    ),
    control(
      '8.2',
      'AI risk assessment',
      'AI risk assessments are performed at planned intervals or when significant changes occur.',
    ),
    control(
      '8.4',
      'AI system impact assessment',
      'AI system impact assessments are performed at planned intervals or when significant changes occur.',
    ),
    control(
      '9.1',
      'Monitoring, measurement, analysis and evaluation',
      'The organization determines what needs to be monitored and measured, the methods, and when results are analysed and evaluated.',
    ),
    control(
      '9.2',
      'Internal audit',
      'The organization conducts internal audits at planned intervals to determine whether the AI management system conforms and is effectively implemented.',
    ),
    control(
      '9.3',
      'Management review',
      'Top management reviews the AI management system at planned intervals to ensure its continuing suitability, adequacy and effectiveness.',
    ),
    control(
      '10.2',
      'Nonconformity and corrective action',
      'When a nonconformity occurs, the organization reacts to it, evaluates the need for action to eliminate its causes and retains documented information.',
    ),
    control(
      'A.6.1.3',
      'Processes for responsible AI system design and development',
      'The organization defines and documents the specific processes for the responsible design and development of the AI system.',
      { aliases: ['ISO42001_A.6.1'] },
    ),
    control(
      'A.6.2.4',
      'AI system verification and validation',
      'The organization defines and documents verification and validation measures for the AI system and the criteria for their use.',
      { aliases: ['ISO42001_A.6.3'] },
    ),
    control(
      'A.6.2.6',
      'AI system operation and monitoring',
      'The organization defines and documents the elements necessary for the ongoing operation of the AI system, including system and performance monitoring.',
    ),
    control(
      'A.6.2.8',
      'AI system recording of event logs',
      'The organization determines at which phases of the AI system life cycle record keeping of event logs is enabled.',
      {
        required: false,
        aliases: ['ISO42001_A.6.2'],
        note: 'Evidenced by attestations in the ledger (mima.attest), not by GRC records; not counted in GRC readiness.',
      },
    ),
    control(
      'A.7.2',
      'Data for development and enhancement of AI system',
      'The organization defines, documents and implements data management processes related to the development of AI systems.',
    ),
    control(
      'A.7.4',
      'Quality of data for AI systems',
      'The organization defines and documents requirements for data quality and ensures data used to develop and operate the AI system meets them.',
    ),
    control(
      'A.7.5',
      'Data provenance',
      'The organization defines and documents a process for recording the provenance of data used in its AI systems.',
    ),
    control(
      'A.8.4',
      'Communication of incidents',
      'The organization determines and documents a plan for communicating incidents to users of the AI system.',
    ),
    control(
      'A.9.2',
      'Processes for responsible use of AI systems',
      'The organization defines and documents the processes for the responsible use of AI systems, including human oversight.',
      { aliases: ['ISO42001_A.6.6', 'ISO42001_8.6'] },
    ),
    control(
      'A.10.3',
      'Suppliers',
      'The organization establishes a process to ensure that its usage of services, products or materials provided by suppliers aligns with its approach to responsible AI.',
    ),
  ],
}
