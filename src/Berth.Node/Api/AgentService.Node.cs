using System.Text.Json;
using Berth.Api.V1;
using Berth.Core.Audit;
using Berth.Core.Capacity;
using Berth.Core.Planning;
using Berth.Core.Serialization;
using Berth.Node.Configuration;
using Berth.Runtime.Pods;
using Grpc.Core;

namespace Berth.Node.Api;

public sealed partial class AgentService
{
    public override Task<GetNodeResponse> GetNode(GetNodeRequest request, ServerCallContext context) =>
        Task.FromResult(new GetNodeResponse { Json = NodeDocument.Build(pods, options).ToJsonString(Berth.Core.Serialization.BerthJson.Options) });

    public override Task<GetConfigResponse> GetConfig(GetConfigRequest request, ServerCallContext context) =>
        Task.FromResult(new GetConfigResponse { Yaml = KubeletConfigView.Yaml(options) });

    public override Task<AuditResponse> Audit(AuditRequest request, ServerCallContext context)
    {
        var runtimeOptions = options.Runtime;
        var node = new AuditNode(
            runtimeOptions.PodPidsLimit,
            runtimeOptions.Node.Enforce.HasFlag(AllocatableEnforcement.Pods),
            runtimeOptions.Node.SystemReserved != NodeResources.None,
            runtimeOptions.Node.KubeReserved != NodeResources.None,
            options.Lifecycle.Security.SeccompDefault,
            [options.Socket, "/run/containerd/containerd.sock", "/run/crio/crio.sock", "/var/run/docker.sock", "/run/docker.sock"]);
        var auditPods = pods.Records.All.Where(PodAdmission.HoldsResources)
            .Select(p => new AuditPod(p.Namespace, p.Name, p.Plan.QosClass, p.Manifest.Spec, p.Plan.Namespaces.Cgroup == NamespaceMode.Node))
            .ToList();
        var withLimitRange = pods.Policies.LimitRanges().Select(r => r.Metadata?.NamespaceProperty ?? "default").ToHashSet(StringComparer.Ordinal);
        var findings = NodeAudit.Run(node, auditPods, withLimitRange);
        return Task.FromResult(new AuditResponse { Json = JsonSerializer.Serialize(findings, BerthJson.Options) });
    }
}
