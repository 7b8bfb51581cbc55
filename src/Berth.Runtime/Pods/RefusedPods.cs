using System.Collections.Concurrent;
using Berth.Core.Planning;

namespace Berth.Runtime.Pods;

/// <summary>
/// A static pod whose manifest was refused: nothing of it exists on the node, but, as the kubelet
/// shows a rejected pod on its mirror pod (phase Failed, a reason, a Warning event), `berth ps`
/// lists it with its reason and `berth events` shows why, until its file is fixed or removed.
/// </summary>
/// <param name="Uid">The static uid of the file's content: a new content is a new attempt.</param>
/// <param name="Source">"file:&lt;path&gt;".</param>
public sealed record RefusedPod(string Uid, string Name, string Namespace, string Source, string Reason, string Message, DateTimeOffset RefusedAt)
{
    public const string ValidationReason = "FailedValidation";

    /// <summary>The refusal in the shape the pod list and the event stream read.</summary>
    public PodRecord AsRecord() => new()
    {
        Uid = Uid,
        Name = Name,
        Namespace = Namespace,
        ManifestJson = "{}",
        Plan = new PodPlan(Name, Namespace, Uid, QosClass.BestEffort, "", 0, 0, null, null, null, null,
            new NamespacePlan(NamespaceMode.Pod, NamespaceMode.Pod, NamespaceMode.Pod, NamespaceMode.Container, NamespaceMode.Pod), []),
        Lifecycle = PodLifecycle.Finished,
        Source = Source,
        CreatedAt = RefusedAt,
        Message = Message,
        Events = [new PodEvent(RefusedAt, "Warning", Reason, Message)],
    };
}

/// <summary>The refused static pods, by source. In memory: the files are read again at start.</summary>
public sealed class RefusedPods
{
    private readonly ConcurrentDictionary<string, RefusedPod> bySource = new(StringComparer.Ordinal);

    public IReadOnlyCollection<RefusedPod> All => [.. bySource.Values];

    public RefusedPod? Of(string source) => bySource.GetValueOrDefault(source);

    public void Set(RefusedPod pod) => bySource[pod.Source] = pod;

    public void Remove(string source) => bySource.TryRemove(source, out _);

    /// <summary>Forgets refusals whose file is gone.</summary>
    public void Keep(IReadOnlySet<string> sources)
    {
        foreach (var source in bySource.Keys.Where(s => !sources.Contains(s)))
        {
            bySource.TryRemove(source, out _);
        }
    }

    /// <summary>"name", "namespace/name" or the uid, as for pods.</summary>
    public RefusedPod? Find(string reference) =>
        bySource.Values.FirstOrDefault(p => p.Uid == reference || p.Name == reference || $"{p.Namespace}/{p.Name}" == reference);
}
