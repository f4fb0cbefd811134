namespace Corrections.Tests.Reliability;

/// <summary>The tests that run the built service as a process take turns, so that two of them never share the two cores.</summary>
[CollectionDefinition(Name)]
public sealed class ServiceProcessCollection
{
    public const string Name = "service processes";
}
