using System.Text.Json.Nodes;
using Berth.Core.Lifecycle;
using Berth.Core.Serialization;
using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Runtime.Model;

namespace Berth.Runtime.Pods;

/// <summary>
/// What `ps`, `inspect`, `logs` and `exec` read of the standalone pods: status by the kubelet's
/// rules (phase, conditions), the inspect document, a container's log file and id. Reads only.
/// </summary>
public sealed class PodInspector(PodRuntime runtime, PodRecords records, ICgroupDriver? cgroups = null)
{
    public async Task<IReadOnlyList<PodStatus>> ListAsync(CancellationToken ct)
    {
        var result = new List<PodStatus>();
        foreach (var pod in records.All.Where(p => p.Lifecycle != PodLifecycle.Creating))
        {
            result.Add(await StatusAsync(pod, ct));
        }

        return result;
    }

    public async Task<PodStatus> StatusAsync(PodRecord pod, CancellationToken ct)
    {
        pod = records.Get(pod.Uid) ?? pod;
        var containers = new List<ContainerStatus>();
        foreach (var c in pod.Containers)
        {
            containers.Add(new ContainerStatus(c, c.Id is null ? null : await runtime.GetContainerAsync(c.Id, ct)));
        }

        return PodStatus.Of(pod, pod.SandboxId is null ? null : runtime.GetSandbox(pod.SandboxId), containers);
    }

    /// <summary>The stable inspect document: the plan's pod object plus what the node made of it.</summary>
    public async Task<JsonObject> InspectAsync(string reference, CancellationToken ct)
    {
        var pod = Found(reference);
        var status = await StatusAsync(pod, ct);
        var doc = BerthJson.ToNode(pod.Plan)!.AsObject();
        var ready = status.Sandbox?.State == SandboxState.Ready;
        doc["phase"] = status.Phase;
        doc["infraPid"] = ready ? status.Sandbox!.InfraPid : 0;
        doc["sandboxId"] = pod.SandboxId;
        doc["sandboxAttempt"] = pod.SandboxAttempt;
        doc["source"] = pod.Source;
        doc["message"] = pod.Message;
        doc["reason"] = pod.Reason;
        doc["createdAt"] = pod.CreatedAt;
        doc["conditions"] = new JsonArray([.. status.Conditions.Select(c => BerthJson.ToNode(c)), .. pod.NodeConditions.Select(c => BerthJson.ToNode(c))]);
        doc["events"] = BerthJson.ToNode(pod.Events);
        doc["pressure"] = BerthJson.ToNode(cgroups?.Pressure(pod.Plan.CgroupParent));
        doc["annotations"] = BerthJson.ToNode(pod.Manifest.Metadata?.Annotations);
        doc["limitRangeDefaults"] = new JsonArray([.. pod.LimitRangeDefaults.Select(d => (JsonNode)new JsonObject
        {
            ["container"] = d.Container,
            ["init"] = d.InitContainer,
            ["field"] = d.FieldPath,
            ["value"] = d.Value,
            ["limitRange"] = d.LimitRange,
        })]);
        foreach (var node in doc["containers"]!.AsArray())
        {
            var c = node!.AsObject();
            var s = status.Containers.Single(x => x.Container.Name == (string?)c["name"] && x.Container.Init == (bool)c["init"]!);
            var running = s.Record?.State == ContainerState.Running;
            c["id"] = s.Record?.Id;
            c["state"] = s.State == ContainerRunState.Waiting ? (s.Record is null ? "created" : "exited") : s.State.Text();
            c["waitingReason"] = s.WaitingReason;
            c["waitingMessage"] = s.WaitingMessage;
            c["pid"] = running ? s.Record!.Pid : 0;
            c["exitCode"] = s.ExitCode;
            c["reason"] = s.Reason;
            c["signal"] = s.Record?.Signal;
            c["restartCount"] = s.Container.RestartCount;
            c["cgroupPath"] = s.Record?.CgroupPath;
            c["pressure"] = running && s.Record!.CgroupPath is { } path ? BerthJson.ToNode(cgroups?.Pressure(path)) : null;
            c["startedAt"] = s.Record?.StartedAt;
            c["finishedAt"] = s.Record?.FinishedAt;
            c["lastState"] = BerthJson.ToNode(s.Container.LastState);
            c["namespaceInodes"] = running ? BerthJson.ToNode(NamespaceInodes.Read(s.Record!.Pid)) : new JsonObject();
        }

        return doc;
    }

    /// <summary>The log file of a container's current (or previous) instance.</summary>
    public string LogFile(string reference, string? containerName, bool previous)
    {
        var pod = Found(reference);
        var container = ResolveContainer(pod, containerName);
        var restart = previous ? container.RestartCount - 1 : container.RestartCount;
        if (restart < 0)
        {
            throw new NotFoundException($"container {container.Name} of pod {pod.Name} has no previous instance");
        }

        return Path.Combine(ContainerConfigs.LogDirectory(runtime.Options.LogRoot, pod.Plan), container.Name, $"{restart}.log");
    }

    public string ContainerId(string reference, string? containerName) =>
        ResolveContainer(Found(reference), containerName).Id ?? throw new PreconditionException($"container {containerName} has no running instance");

    private PodRecord Found(string reference) => records.Find(reference) ?? throw new NotFoundException($"pod \"{reference}\" not found");

    private static PodContainer ResolveContainer(PodRecord pod, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            var apps = pod.Containers.Where(c => !c.Init).ToList();
            return apps.Count == 1 ? apps[0]
                : throw new ArgumentException($"pod {pod.Name} has several containers ({string.Join(", ", apps.Select(c => c.Name))}): choose one with -c");
        }

        return pod.Containers.SingleOrDefault(c => c.Name == name) ?? throw new NotFoundException($"pod {pod.Name} has no container \"{name}\"");
    }
}
