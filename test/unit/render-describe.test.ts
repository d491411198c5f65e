import { expect } from 'chai';

import type { JSONObject, JSONSchema, JSONValue, WorkflowRunObject } from '../../core/index.ts';
import { renderDescribe } from '../../kubectl-plugin/render/describe.ts';
import { stripColor } from '../../kubectl-plugin/render/table.ts';
import { FIXED_NOW, expectGolden, loadRunFixture, runFixtureNames } from '../golden/render/support.ts';

// The resolved parameter schema of the fixtures' `docker-build` ClusterWorkflow, as CompiledWorkflow.schema holds it.
const DOCKER_BUILD_SCHEMA: JSONSchema = {
  type: 'object',
  properties: {
    repository: {
      type: 'object',
      properties: {
        url: { type: 'string' },
        revision: {
          type: 'object',
          default: { branch: 'main' },
          properties: { branch: { type: 'string', default: 'main' }, commit: { type: 'string' } },
        },
        appPath: { type: 'string', default: '.' },
      },
    },
    docker: {
      type: 'object',
      properties: {
        context: { type: 'string', default: '.' },
        filePath: { type: 'string', default: './Dockerfile' },
      },
    },
    tags: { type: 'array', items: { type: 'string' }, default: ['latest'] },
    timeoutMinutes: { type: 'integer', default: 30 },
    dryRun: { type: 'boolean', default: false },
    buildArgs: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
  },
};

const ESC = '\x1b';

describe('renderDescribe', () => {
  describe('golden output per fixture (fixed clock, no colour)', () => {
    for (const name of runFixtureNames()) {
      it(name, () => {
        const output = renderDescribe(loadRunFixture(name), { now: FIXED_NOW, color: false });
        expect(output).not.to.include(ESC);
        expectGolden(`describe/${name}.txt`, output);
      });
    }
  });

  it('marks parameters equal to a schema default when the Workflow is known', () => {
    const output = renderDescribe(loadRunFixture('succeeded'), {
      now: FIXED_NOW,
      color: false,
      workflow: { schema: DOCKER_BUILD_SCHEMA },
    });
    expectGolden('describe/succeeded-with-workflow.txt', output);
    const marked = output.split('\n').filter((line) => line.endsWith('(default)'));
    expect(marked.map((line) => line.trim().split(' ')[0])).to.deep.equal([
      'docker.filePath',
      'dryRun',
      'repository.revision.branch',
      'tags[0]',
      'timeoutMinutes',
    ]);
  });

  it('marks every leaf under an object whose whole value is the default', () => {
    const run: WorkflowRunObject = {
      spec: {
        workflow: {
          name: 'b',
          parameters: { repository: { url: 'u', revision: { branch: 'main' } }, tags: [] },
        },
      },
    };
    const output = renderDescribe(run, {
      now: FIXED_NOW,
      color: false,
      workflow: { schema: DOCKER_BUILD_SCHEMA },
    });
    expect(output).to.include('  repository.revision.branch = main  (default)\n');
    expect(output).to.include('  repository.url             = u\n');
    expect(output).to.include('  tags                       = []\n');
  });

  it('colours the status and task phases, and only that, when color is true', () => {
    const output = renderDescribe(loadRunFixture('failed'), { now: FIXED_NOW, color: true });
    expectGolden('describe/failed-color.txt', output);
    expect(output).to.include(`${ESC}[31mFailed${ESC}[0m`);
    expect(stripColor(output)).to.equal(
      renderDescribe(loadRunFixture('failed'), { now: FIXED_NOW, color: false }),
    );
  });

  it('keeps colour out of alignment: stripping it gives the plain output for every fixture', () => {
    for (const name of runFixtureNames()) {
      const run = loadRunFixture(name);
      expect(stripColor(renderDescribe(run, { now: FIXED_NOW, color: true })), name).to.equal(
        renderDescribe(run, { now: FIXED_NOW, color: false }),
      );
    }
  });

  it('writes parameter values as --set would read them back', () => {
    const run: WorkflowRunObject = {
      spec: {
        workflow: {
          name: 'b',
          parameters: {
            text: 'plain words',
            numberLike: '42',
            boolLike: 'true',
            empty: '',
            padded: ' x ',
            number: 42,
            nothing: null,
            nested: { list: [{ a: 1 }, 'two'], 'dotted.key': 'v', 'with space': 'w' },
          },
        },
      },
    };
    const parameters = renderDescribe(run, { now: FIXED_NOW, color: false }).split('\n\n')[1];
    expect(parameters).to.equal(
      [
        'Parameters:',
        '  boolLike           = "true"',
        '  empty              = ""',
        '  nested.dotted\\.key = v',
        '  nested.list[0].a   = 1',
        '  nested.list[1]     = two',
        '  nested.with space  = w',
        '  nothing            = null',
        '  number             = 42',
        '  numberLike         = "42"',
        '  padded             = " x "',
        '  text               = plain words',
      ].join('\n'),
    );
  });

  it('escapes control and bidi characters from the run so they cannot drive the terminal', () => {
    const run: WorkflowRunObject = {
      metadata: {
        name: 'r',
        annotations: {
          'openchoreo.dev/display-name': `evil${ESC}[2Jname\u202e`,
          'openchoreo.dev/description': 'a\nb',
        },
      },
      spec: { workflow: { name: 'w', parameters: { key: `v${ESC}]0;title\u0007` } } },
      status: {
        conditions: [
          { type: 'WorkflowCompleted', status: 'False', reason: 'WorkflowPending', message: 'x\r\ny' },
        ],
      },
    };
    const output = renderDescribe(run, { now: FIXED_NOW, color: false });
    expect(output).not.to.include(ESC);
    expect(output).not.to.include('\r');
    expect(output).to.include('Display Name:  evil\\u001b[2Jname\\u202e\n');
    expect(output).to.include('Description:   a\\nb\n');
    expect(output).to.include('key = "v\\u001b]0;title\\u0007"');
    expect(output).to.include('x\\r\\ny');
  });

  it('keeps __proto__ and constructor keys as plain data and leaves Object.prototype alone', () => {
    const parameters = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": "c", "prototype": 1}');
    const run: WorkflowRunObject = { spec: { workflow: { name: 'w', parameters } } };
    const output = renderDescribe(run, {
      now: FIXED_NOW,
      color: false,
      workflow: { schema: { type: 'object', properties: {} } },
    });
    expect(output).to.include('  __proto__.polluted = yes\n');
    expect(output).to.include('  constructor        = c\n');
    expect(output).to.include('  prototype          = 1\n');
    expect(output).not.to.include('(default)');
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('prints parameters nested beyond 32 levels as one line of JSON instead of recursing further', () => {
    let deep: JSONValue = 'bottom';
    for (let level = 0; level < 10_000; level++) deep = { d: deep };
    const run: WorkflowRunObject = { spec: { workflow: { name: 'w', parameters: { deep } as JSONObject } } };
    const line = renderDescribe(run, { now: FIXED_NOW, color: false })
      .split('\n')
      .find((text) => text.startsWith('  deep'));
    expect(line).to.match(/^ {2}deep(\.d){31} = \{"d":\{"d":.*\.\.\.$/);
    expect(line!.length).to.be.below(500);
  });

  it('renders status of the wrong shape as <none> or JSON text instead of throwing', () => {
    const run = {
      metadata: { name: 'r', annotations: 'not-a-map', creationTimestamp: 'not-a-time' },
      spec: { workflow: { name: 7, parameters: ['not', 'a', 'map'] } },
      status: {
        conditions: [null, { type: 'WorkflowCompleted', status: 'False', reason: { nested: true } }],
        tasks: 'none',
        runReference: ['x'],
        resources: [3],
      },
    } as unknown as WorkflowRunObject;
    const output = renderDescribe(run, { now: FIXED_NOW, color: false });
    expect(output).to.include('Created:       not-a-time\n');
    expect(output).to.include('Workflow:      <none>\n');
    expect(output).to.include('Parameters:  <none>');
    expect(output).to.include('{"nested":true}');
    expect(output).to.include('Tasks:  <none>');
    expect(output).to.include('Run Reference:  <none>');
    expect(output).to.include('Resources:  <none>');
  });

  it('measures widths in terminal columns, so wide characters stay aligned', () => {
    const run: WorkflowRunObject = {
      metadata: { name: 'r' },
      status: {
        tasks: [
          { name: '构建镜像', phase: 'Succeeded' },
          { name: 'push', phase: 'Succeeded' },
        ],
      },
    };
    const tasks = renderDescribe(run, { now: FIXED_NOW, color: false })
      .split('\n\n')
      .find((section) => section.startsWith('Tasks:'));
    expect(tasks?.split('\n')).to.deep.equal([
      'Tasks:',
      '  Name      Phase      Started  Duration  Message',
      '  ----      -----      -------  --------  -------',
      '  构建镜像  Succeeded  <none>   <none>    <none>',
      '  push      Succeeded  <none>   <none>    <none>',
    ]);
  });
});
