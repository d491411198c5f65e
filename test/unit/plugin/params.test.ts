// `kubectl workflowrun params`: a Workflow's parameters. The flags block builds the command with a runF that
// captures the options it would run with; the run block runs it against the fake API server, output compared with
// golden files.
import { expect } from 'chai';

import type { JSONObject } from '../../../core/index.ts';
import { newParamsCommand, type ParamsOptions } from '../../../kubectl-plugin/commands/params.ts';
import { expectGolden, parseFlags, run, withoutDependencies } from '../../support/plugin-fakes.ts';
import { v017Cluster, v1Cluster } from '../../support/plugin-objects.ts';

describe('plugin params', () => {
  describe('flags', () => {
    it('takes WORKFLOW, --kind and -o json', async () => {
      const { options } = await parseFlags<ParamsOptions>(newParamsCommand, [
        'wf',
        '--kind',
        'ClusterWorkflow',
        '-o',
        'json',
      ]);
      expect(withoutDependencies(options)).to.deep.equal({
        workflow: 'wf',
        kind: 'ClusterWorkflow',
        output: 'json',
        connection: {},
      });
    });
  });

  describe('run', () => {
    it('prints the parameter tree of a ClusterWorkflow', async () => {
      const { code, stdout } = await run(v1Cluster(), ['params', 'docker-build']);
      expect(code).to.equal(0);
      expectGolden('params/docker-build.txt', stdout);
    });

    it('prints the shorthand Workflow of the seed on v0.17 CRDs', async () => {
      const { code, stdout } = await run(v017Cluster(), ['params', 'generic-workflow-docker-build']);
      expect(code).to.equal(0);
      expectGolden('params/generic-workflow-docker-build.txt', stdout);
    });

    it('-o json prints the compiled JSON Schema', async () => {
      const { stdout } = await run(v1Cluster(), ['params', 'dockerfile-builder', '-o', 'json']);
      const schema = JSON.parse(stdout) as JSONObject;
      expect(schema.type).to.equal('object');
      expect(schema.required).to.deep.equal(['repository']);
      expectGolden('params/dockerfile-builder.json', stdout);
    });

    it('exit 1 for a missing Workflow', async () => {
      const { code, stderr } = await run(v1Cluster(), ['params', 'ghost']);
      expect(code).to.equal(1);
      expect(stderr).to.equal('error: clusterworkflow "ghost" not found\n');
    });
  });
});
