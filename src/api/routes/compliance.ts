/** The compliance report (合规检查) of the current settings; docs/COMPLIANCE.md explains each pattern. */
import { complianceReport } from '../../domain/compliance.ts';
import { type ApiDeps, type RouteSpec, readState } from '../route-spec.ts';

export function complianceRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    {
      method: 'GET',
      url: '/v1/compliance',
      operationId: 'getCompliance',
      summary: 'Configured rules that match a known risk pattern of rebate and referral schemes',
      tag: 'compliance',
      access: 'read',
      response: {
        description: 'The report',
        schema: { type: 'object', properties: { findings: { type: 'array', items: { type: 'object' } }, summary: { type: 'object' } } },
      },
      handler: async () => ({ body: complianceReport((await readState(deps)).settings) }),
    },
  ];
}
