// The single-node cluster's settings that this kind of machine needs (see local-cluster/node-config.ts): each one
// was found necessary on a real node, so a change that drops one is caught here rather than by a pod that never
// starts.
import { expect } from 'chai';
import { parse } from 'yaml';

import {
  cidrsOverlap,
  cniConfig,
  containerdConfig,
  controllerManagerArgs,
  kubeletArgs,
  kubeletConfig,
  MACHINE_PATHS,
  NODE_NETWORK,
  nodeApiserverArgs,
  nodePaths,
  schedulerArgs,
} from '../../local-cluster/node-config.ts';

const DIR = '/node';

interface BridgePlugin {
  type: string;
  ipMasq: boolean;
  isGateway: boolean;
  ipam: { routes: unknown; ranges: unknown; dataDir: string };
}

interface KubeletConfig {
  failCgroupV1: boolean;
  cgroupDriver: string;
  address: string;
  containerRuntimeEndpoint: string;
  authentication: { anonymous: { enabled: boolean }; x509: { clientCAFile: string } };
  resolvConf: string;
  podLogsDir: string;
}

describe('single-node cluster configuration', () => {
  it('keeps every address inside the reserved range, the pods and Services apart, and the veth a /30', () => {
    const net = NODE_NETWORK;
    for (const cidr of [net.linkSubnet, net.serviceSubnet, net.podSubnet]) {
      expect(cidrsOverlap(cidr, net.reservedRange), cidr).to.equal(true);
    }
    for (const address of [net.hostAddress, net.nodeAddress, net.kubernetesServiceIp, net.podGateway]) {
      expect(cidrsOverlap(`${address}/32`, net.reservedRange), address).to.equal(true);
    }
    expect(cidrsOverlap(net.podSubnet, net.serviceSubnet)).to.equal(false);
    expect(cidrsOverlap(net.podSubnet, net.linkSubnet)).to.equal(false);
    expect(net.linkSubnet.endsWith('/30')).to.equal(true);
    expect(cidrsOverlap(`${net.kubernetesServiceIp}/32`, net.serviceSubnet)).to.equal(true);
    // Pods reach the kubernetes Service at its port without kube-proxy only if the apiserver listens there.
    expect(net.apiserverPort).to.equal(443);
  });

  it('compares CIDRs by the addresses they hold', () => {
    expect(cidrsOverlap('10.0.0.0/8', '10.251.252.0/22')).to.equal(true);
    expect(cidrsOverlap('10.251.251.255/32', '10.251.252.0/22')).to.equal(false);
    expect(cidrsOverlap('11.0.0.0/8', '10.0.0.0/8')).to.equal(false);
    expect(() => cidrsOverlap('fd00::/64', '10.0.0.0/8')).to.throw('not an IPv4 CIDR');
  });

  it('gives containerd the settings this machine needs, with every path in the node folder', () => {
    const config = containerdConfig(DIR, 'localhost/pause:dev');
    expect(config).to.include('restrict_oom_score_adj = true');
    expect(config).to.include('sandbox_image = "localhost/pause:dev"');
    expect(config).to.include('netns_mounts_under_state_dir = true');
    expect(config).to.include('SystemdCgroup = false');
    expect(config).to.include('bin_dir = "/usr/lib/cni"');
    const paths = [...config.matchAll(/= "(\/[^"]*)"/g)].map((match) => match[1]);
    expect(
      paths.filter((path) => path !== '/usr/lib/cni').every((path) => path?.startsWith(`${DIR}/`)),
    ).to.equal(true);
  });

  it('puts pods on a bridge with no default route and no masquerading', () => {
    const [bridge] = (cniConfig(DIR) as { plugins: BridgePlugin[] }).plugins;
    expect(bridge).to.include({ type: 'bridge', ipMasq: false, isGateway: true });
    expect(bridge?.ipam.routes).to.deep.equal([{ dst: NODE_NETWORK.serviceSubnet }]);
    expect(bridge?.ipam.ranges).to.deep.equal([
      [{ subnet: NODE_NETWORK.podSubnet, gateway: NODE_NETWORK.podGateway }],
    ]);
    expect(bridge?.ipam.dataDir).to.equal(nodePaths(DIR).cniIpamDir);
  });

  it('configures the kubelet for cgroup v1 with cgroupfs, on the node IP, with its files in the node folder', () => {
    const config = parse(kubeletConfig(DIR, '/ca.crt')) as KubeletConfig;
    expect(config).to.include({
      failCgroupV1: false,
      cgroupDriver: 'cgroupfs',
      address: NODE_NETWORK.nodeAddress,
    });
    expect(config.containerRuntimeEndpoint).to.equal(`unix://${nodePaths(DIR).containerdSocket}`);
    expect(config.authentication.anonymous.enabled).to.equal(false);
    expect(config.authentication.x509.clientCAFile).to.equal('/ca.crt');
    expect(config.resolvConf).to.equal('');
    expect(config.podLogsDir.startsWith(`${DIR}/`)).to.equal(true);
    const args = kubeletArgs(DIR, '/kubeconfig');
    expect(args).to.include(`--node-ip=${NODE_NETWORK.nodeAddress}`);
    expect(args).to.include(`--root-dir=${nodePaths(DIR).kubeletRoot}`);
  });

  it('runs one controller-manager and one scheduler without leader election, on loopback', () => {
    const manager = controllerManagerArgs({
      dir: DIR,
      kubeconfigPath: '/kubeconfig',
      caPath: '/ca.crt',
      serviceAccountKeyPath: '/sa.key',
    });
    expect(manager).to.include.members([
      '--leader-elect=false',
      '--root-ca-file=/ca.crt',
      '--bind-address=127.0.0.1',
    ]);
    expect(manager).to.include(`--flex-volume-plugin-dir=${nodePaths(DIR).volumePlugins}`);
    expect(schedulerArgs('/kubeconfig')).to.include.members([
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
    ]);
  });

  it('has the API server call webhooks at endpoint addresses and the kubelet at its IP', () => {
    const args = nodeApiserverArgs('/pki');
    expect(args).to.include('--enable-aggregator-routing=true');
    expect(args).to.include('--kubelet-preferred-address-types=InternalIP');
    expect(args).to.include('--kubelet-client-certificate=/pki/admin.crt');
  });

  it('lists only machine paths outside any home or project folder for removal', () => {
    expect(MACHINE_PATHS.every((path) => /^\/(var|run|etc)\//.test(path))).to.equal(true);
  });
});
