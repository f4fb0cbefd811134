using Microsoft.Extensions.DependencyInjection;

namespace Corrections.Storage;

public static class StorageSetup
{
    /// <summary>
    /// The group-commit store for submissions, and on SQLite the background checkpoints of its log (the checkpointer
    /// does nothing on a database server).
    /// </summary>
    public static IServiceCollection AddSubmissionStore(this IServiceCollection services)
    {
        services.AddSingleton<StorageMetrics>();
        services.AddSingleton<GroupCommitStore>();
        services.AddSingleton<ISubmissionStore>(provider => provider.GetRequiredService<GroupCommitStore>());
        services.AddHostedService(provider => provider.GetRequiredService<GroupCommitStore>());
        services.AddHostedService<SqliteCheckpointer>();
        return services;
    }
}
