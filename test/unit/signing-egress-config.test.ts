import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/contract/config/load';
import { ConfigError } from '../../src/contract/errors';
import { caught } from '../support/wait';

const configError = (run: () => unknown): ConfigError => caught(ConfigError, run);

describe('signing and egress settings', () => {
  const url = 'http://localhost:4001/reservations';
  const issuesOf = (document: unknown) => configError(() => parseConfig(document)).issues;

  it('reads signing.secret and signing.secrets as one list of ${VAR} references', () => {
    const targets = {
      a: { request: { url }, signing: { secret: '${SIGN_A}' } },
      b: { request: { url }, signing: { secrets: ['${SIGN_NEW}', '${SIGN_OLD}'] } },
    };
    const config = parseConfig({ targets });
    expect(config.targets.a!.signing).toEqual({ secrets: ['${SIGN_A}'] });
    expect(config.targets.b!.signing).toEqual({ secrets: ['${SIGN_NEW}', '${SIGN_OLD}'] });
  });

  it('refuses signing secrets that are not ${VAR} references, listed twice, or in both forms at once, by path', () => {
    const issues = issuesOf({
      targets: {
        a: { request: { url }, signing: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } },
        b: { request: { url }, signing: { secrets: ['${OK}', 'plain', '${OK}'] } },
        c: { request: { url }, signing: { secret: '${A}', secrets: ['${B}'] } },
        d: { request: { url }, signing: {} },
      },
    });
    expect([...issues].sort()).toEqual([
      "targets.a.signing.secret: must be a ${VAR} reference, not the secret itself: put whsec_… in the worker's environment and write ${VAR} here",
      "targets.b.signing.secrets.1: must be a ${VAR} reference to the worker's environment (its value: whsec_ and base64)",
      'targets.b.signing.secrets: must not list a secret twice',
      'targets.c.signing: must have either secret or secrets (a list, while rotating), not both or neither',
      'targets.d.signing: must have either secret or secrets (a list, while rotating), not both or neither',
    ]);
  });

  it('takes host names, IP addresses and CIDRs in egress.allow, and names each bad entry by its path', () => {
    const allow = ['api.example.com', '10.1.2.3', '10.0.0.0/8', 'fd00::/8'];
    expect(parseConfig({ targets: { a: { request: { url } } }, egress: { allow } }).egress).toEqual(
      {
        allow,
      },
    );
    const entry =
      'must be a host name (api.example.com), an IP address (10.1.2.3) or a network in CIDR form (10.0.0.0/8)';
    expect(
      issuesOf({
        targets: { a: { request: { url } } },
        egress: { allow: ['10.0.0.0/33', 'http://x.example', 'ok.example'], deny: [] },
      }),
    ).toEqual([
      `egress.allow.0: ${entry}`,
      `egress.allow.1: ${entry}`,
      'egress.deny: unknown field',
    ]);
  });
});
