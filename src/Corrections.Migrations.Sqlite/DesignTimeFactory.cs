using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Corrections.Migrations.Sqlite;

/// <summary>Lets <c>dotnet ef</c> build the model for SQLite without starting the service.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CorrectionsDb>
{
    public CorrectionsDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CorrectionsDb>()
            .UseSqlite("Data Source=design-time.db", sqlite => sqlite.MigrationsAssembly(typeof(DesignTimeFactory).Assembly.GetName().Name))
            .Options);
}
