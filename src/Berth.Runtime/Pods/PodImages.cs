using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Images;
using Berth.Images.Registry;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>
/// The kubelet's EnsureImageExists for the standalone path (pkg/kubelet/images/image_manager.go):
/// every container's image per its imagePullPolicy, with the pod's pull secrets, recorded as the
/// kubelet's events. Runs outside any lock: a slow registry holds only the pods that wait for it.
/// </summary>
public sealed class PodImages(IImageStore images)
{
    /// <summary>
    /// Gets every container's image per its imagePullPolicy, as the kubelet does before creating
    /// anything, then checks what needs the image (a command to run). Pull failures are reported
    /// per field. An image with no registry origin (imported from a directory or loaded without a
    /// repo digest) has nothing to pull from: under Always it is used as it is.
    /// </summary>
    /// <returns>Events to record per pod uid ("Scheduled", "Pulled").</returns>
    public async Task<Dictionary<string, List<PodEvent>>> EnsureAsync(IReadOnlyList<(PodManifest Manifest, PodPlan Plan)> plans, IReadOnlyList<V1Secret> secrets, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var events = new Dictionary<string, List<PodEvent>>();
        var pulledNow = new Dictionary<string, ImageRecord>(StringComparer.Ordinal);
        foreach (var (manifest, plan) in plans)
        {
            // Admission is scheduling here: Scheduled comes before any Pulled, as with the kubelet.
            var podEvents = events[plan.Uid] = [new PodEvent(DateTimeOffset.UtcNow, "Normal", "Scheduled", $"Successfully assigned {plan.Namespace}/{plan.Name} to {Environment.MachineName}")];
            var spec = manifest.Pod.Spec;
            foreach (var (list, listPath) in new[] { (spec.InitContainers, "spec.initContainers"), (spec.Containers, "spec.containers") })
            {
                for (var i = 0; i < (list?.Count ?? 0); i++)
                {
                    var container = list![i];
                    var path = $"{listPath}[{i}]";
                    var image = await EnsureOneAsync(manifest, plan, container, path, secrets, pulledNow, podEvents, errors, ct);
                    if (image is not null && ImageCommand.Resolve(image.Config, [.. container.Command ?? []], [.. container.Args ?? []]).Count == 0)
                    {
                        errors.Add(new FieldError(manifest.Source, $"{path}.command", $"Required value: neither the container nor its image {container.Image} says what to run"));
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        return events;
    }

    /// <returns>The image, or null when it could not be had (an error was added).</returns>
    private async Task<ImageRecord?> EnsureOneAsync(
        PodManifest manifest,
        PodPlan plan,
        V1Container container,
        string path,
        IReadOnlyList<V1Secret> secrets,
        Dictionary<string, ImageRecord> pulledNow,
        List<PodEvent> podEvents,
        List<FieldError> errors,
        CancellationToken ct)
    {
        var reference = ImageReference.Parse(container.Image);
        var present = images.Find(container.Image);
        var decision = ImagePullPolicies.Decide(ImagePullPolicies.Parse(container.ImagePullPolicy, reference), present is not null);
        if (decision == PullDecision.Pull && present is { Origin: not ImageOrigin.Pulled })
        {
            decision = PullDecision.UseLocal;
        }

        switch (decision)
        {
            case PullDecision.FailNotPresent:
                errors.Add(new FieldError(manifest.Source, $"{path}.image", $"Not found: \"{container.Image}\": not on this node and imagePullPolicy is Never (ErrImageNeverPull)"));
                return null;
            case PullDecision.Pull when pulledNow.TryGetValue(container.Image, out var again):
                return again;
            case PullDecision.Pull:
                try
                {
                    var credentials = PullSecrets.For(reference.Registry, manifest.Pod, plan.Namespace, secrets, out var missing);
                    podEvents.AddRange(missing.Select(name => new PodEvent(DateTimeOffset.UtcNow, "Warning", "FailedToRetrieveImagePullSecret", $"Unable to retrieve image pull secret {name}; pulling without it", container.Name)));
                    var pulled = pulledNow[container.Image] = await images.PullAsync(container.Image, new PullOptions { Credentials = credentials }, null, ct);
                    podEvents.Add(new PodEvent(DateTimeOffset.UtcNow, "Normal", "Pulled", $"Successfully pulled image \"{container.Image}\"", container.Name));
                    return pulled;
                }
                catch (Exception e) when (e is RegistryException or FormatException or IOException or HttpRequestException or Berth.Images.Layers.LayerRejectedException)
                {
                    var why = present is null ? "Not found" : "Invalid value";
                    errors.Add(new FieldError(manifest.Source, $"{path}.image", $"{why}: \"{container.Image}\": ErrImagePull: {e.Message}"));
                    return null;
                }

            default:
                podEvents.Add(new PodEvent(DateTimeOffset.UtcNow, "Normal", "Pulled", $"Container image \"{container.Image}\" already present on machine", container.Name));
                return present;
        }
    }
}
