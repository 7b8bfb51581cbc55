using Berth.Core.Capacity;
using Berth.Core.Eviction;
using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Core.Validation;
using Berth.Runtime.Specs;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>
/// Admits standalone pods, as the kubelet's admit handlers do before a pod may start: what only
/// the node can check (hostPath types, node security), and that the pod's namespace/name and uid
/// are free. A pod's name and uid are reserved from admission until its record exists (or its
/// creation failed), so two plays of one name cannot both win; the reservation is a short
/// critical section that never spans I/O, so a slow image pull holds only its own pod.
/// The kubelet's predicate admission (<see cref="PodFit"/>: resources, pod count, node name,
/// node affinity, host ports, taints) runs in that section too, against the pods that run and
/// those admitted but not yet recorded, so two plays cannot both take the last of the node.
/// The eviction manager's admit handler (<see cref="PressureAdmission"/>) refuses pods while the
/// node is under pressure.
/// </summary>
public sealed class PodAdmission(PodRecords records, NodeSecurityOptions security, NodeFacts? node = null, Func<NodeInfo>? nodeInfo = null, Func<IReadOnlyList<string>>? pressure = null)
{
    private readonly Lock gate = new();
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1PodSpec> uids = new(StringComparer.Ordinal);

    /// <summary>
    /// Checks every pod of the set and reserves their names and uids, all or none. Dispose the
    /// reservation once the pods' records are saved, or their creation failed.
    /// </summary>
    /// <exception cref="ValidationException">A pod is refused, with field errors in manifest order.</exception>
    /// <param name="plans">The pods, in manifest order.</param>
    /// <param name="isStatic">Static pods: the kubelet does not check them against the node's taints.</param>
    public Reservation Admit(IReadOnlyList<(PodManifest Manifest, PodPlan Plan)> plans, bool isStatic = false)
    {
        // Node checks read the file system: outside the critical section.
        var nodeErrors = plans.Select(p => NodeChecks(p.Manifest)).ToList();
        var info = nodeInfo?.Invoke();
        var conditions = pressure?.Invoke() ?? [];
        var errors = new List<FieldError>();
        lock (gate)
        {
            var existing = records.All;
            var running = existing.Where(HoldsResources).Select(p => p.Manifest.Spec)
                .Concat(uids.Where(u => records.Get(u.Key) is null).Select(u => u.Value)).ToList();
            for (var i = 0; i < plans.Count; i++)
            {
                var (manifest, plan) = plans[i];
                if (existing.Any(p => p.Name == plan.Name && p.Namespace == plan.Namespace) || names.Contains(NameKey(plan))
                    || plans.Count(p => p.Plan.Name == plan.Name && p.Plan.Namespace == plan.Namespace) > 1)
                {
                    errors.Add(new FieldError(manifest.Source, "metadata.name", $"Duplicate value: pod {plan.Namespace}/{plan.Name} already exists"));
                }

                if (records.Get(plan.Uid) is not null || uids.ContainsKey(plan.Uid))
                {
                    errors.Add(new FieldError(manifest.Source, "metadata.uid", $"Duplicate value: a pod with uid {plan.Uid} already exists"));
                }

                errors.AddRange(nodeErrors[i]);
                if (PressureAdmission.Admit(conditions, isStatic ? AsStatic(manifest.Pod) : manifest.Pod) is { Admit: false } refused)
                {
                    errors.Add(new FieldError(manifest.Source, "", $"{refused.Reason}: {refused.Message?.TrimEnd()}"));
                }

                if (info is not null)
                {
                    foreach (var rejection in PodFit.Check(manifest.Pod, running, info, isStatic))
                    {
                        errors.Add(new FieldError(manifest.Source, rejection.Path, $"{rejection.Reason}: {rejection.Message}"));
                    }
                }

                running.Add(manifest.Pod.Spec); // the next pod of this play must fit beside it
            }

            if (errors.Count > 0)
            {
                throw new ValidationException(errors);
            }

            foreach (var (manifest, plan) in plans)
            {
                names.Add(NameKey(plan));
                uids.Add(plan.Uid, manifest.Pod.Spec);
            }
        }

        return new Reservation(this, [.. plans.Select(p => p.Plan)]);
    }

    /// <summary>What only the node can check before anything is created. What the manifest alone
    /// decides was checked when it was read (RuntimeSupport, PodFieldCatalog), so plan refuses it too.</summary>
    private List<FieldError> NodeChecks(PodManifest manifest)
    {
        var errors = new List<FieldError>();
        void Add(string path, string message) => errors.Add(new FieldError(manifest.Source, path, message));

        // hostPath types are checked against what is there now: a node matter, so play's.
        var spec = manifest.Pod.Spec;
        for (var v = 0; v < (spec.Volumes?.Count ?? 0); v++)
        {
            if (spec.Volumes![v].HostPath is { } typed && HostPathVolumes.Check(typed, create: false) is { } problem)
            {
                Add($"spec.volumes[{v}].hostPath.type", problem);
            }
        }

        NodeSecurityChecks.Check(manifest.Pod, security, HostSecurityFeatures.Current, Add);
        if (node is not null)
        {
            PodLevelResourcesValidation.CheckNode(spec, node, Add);
        }

        return errors;
    }

    private static string NameKey(PodPlan plan) => $"{plan.Namespace}/{plan.Name}";

    /// <summary>The pod as the kubelet's file source hands it on: with the config.source
    /// annotation, which makes it a static, so critical, pod (kubelettypes.IsCriticalPod).</summary>
    private static V1Pod AsStatic(V1Pod pod) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Annotations = new Dictionary<string, string>(pod.Metadata?.Annotations ?? new Dictionary<string, string>()) { [CriticalPod.ConfigSourceAnnotation] = "file" },
        },
        Spec = pod.Spec,
    };

    /// <summary>Pods that hold node resources: not finished, with a container that may still run.</summary>
    public static bool HoldsResources(PodRecord pod) =>
        pod.Lifecycle != PodLifecycle.Finished && pod.Containers.Any(c => !c.Init && !c.Done);

    private void Release(IReadOnlyList<PodPlan> plans)
    {
        lock (gate)
        {
            foreach (var plan in plans)
            {
                names.Remove(NameKey(plan));
                uids.Remove(plan.Uid);
            }
        }
    }

    /// <summary>The names and uids of admitted pods, held until disposed (once).</summary>
    public sealed class Reservation(PodAdmission admission, IReadOnlyList<PodPlan> plans) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                admission.Release(plans);
            }
        }
    }
}
