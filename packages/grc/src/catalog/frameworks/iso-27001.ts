import { type Control, defineControl, type FrameworkCatalog } from '../control'

const control = (
  key: string,
  title: string,
  description: string,
  options?: { required?: boolean; aliases?: readonly string[]; note?: string },
): Control => defineControl('iso_27001', key, key, title, description, options)

/**
 * ISO/IEC 27001:2022 Annex A (numbering of ISO/IEC 27002:2022): the controls Mima's evidence records
 * can show. The ISO 27001:2013 ids the Python project emits (`ISO27001_A.9.2`, …) are aliases of their
 * 2022 successors (per the correspondence table in ISO/IEC 27002:2022 Annex B).
 */
export const ISO_27001: FrameworkCatalog = {
  framework: 'iso_27001',
  label: 'ISO 27001:2022',
  edition: 'ISO/IEC 27001:2022',
  controls: [
    control(
      'A.5.1',
      'Policies for information security',
      'Information security policy and topic-specific policies are defined, approved by management, published, communicated to and acknowledged by relevant personnel.',
    ),
    control(
      'A.5.15',
      'Access control',
      'Rules to control physical and logical access to information and associated assets are established and implemented based on business and security requirements.',
    ),
    control('A.5.16', 'Identity management', 'The full life cycle of identities is managed.'),
    control(
      'A.5.18',
      'Access rights',
      'Access rights to information and associated assets are provisioned, reviewed, modified and removed in accordance with the access control policy.',
      { aliases: ['ISO27001_A.9.2'] },
    ),
    control(
      'A.5.19',
      'Information security in supplier relationships',
      'Processes and procedures are defined and implemented to manage the information security risks associated with the use of supplier’s products or services.',
      { aliases: ['ISO27001_A.15.1'] },
    ),
    control(
      'A.5.22',
      'Monitoring, review and change management of supplier services',
      'The organization regularly monitors, reviews, evaluates and manages change in supplier information security practices and service delivery.',
      { aliases: ['ISO27001_A.15.2'] },
    ),
    control(
      'A.5.25',
      'Assessment and decision on information security events',
      'The organization assesses information security events and decides if they are to be categorized as information security incidents.',
    ),
    control(
      'A.5.26',
      'Response to information security incidents',
      'Information security incidents are responded to in accordance with the documented procedures.',
      { aliases: ['ISO27001_A.16.1'] },
    ),
    control(
      'A.6.3',
      'Information security awareness, education and training',
      'Personnel and relevant interested parties receive appropriate information security awareness, education and training and regular updates of policies and procedures.',
      { aliases: ['ISO27001_A.7.2'] },
    ),
    control(
      'A.8.3',
      'Information access restriction',
      'Access to information and other associated assets is restricted in accordance with the established topic-specific policy on access control.',
      {
        required: false,
        aliases: ['ISO27001_A.9.4'],
        note: 'Shown by the access-control configuration itself, not by a review record.',
      },
    ),
    control(
      'A.8.32',
      'Change management',
      'Changes to information processing facilities and information systems are subject to change management procedures.',
      { aliases: ['ISO27001_A.12.1'] },
    ),
  ],
}
