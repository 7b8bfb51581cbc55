using System.Text.Json.Serialization;

namespace Berth.Core.Planning;

/// <summary>The pod's quality-of-service class (k8s.io/api/core/v1 PodQOSClass).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QosClass>))]
public enum QosClass
{
    Guaranteed,
    Burstable,
    BestEffort,
}
