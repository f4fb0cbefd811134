using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Corrections.Data;

/// <summary>
/// Inserts new rows in the context's transaction with one prepared INSERT per table, executed once a row, converting
/// each value the way the model maps it. SaveChanges costs a submission batch several times more on a busy core, and
/// one multi-row INSERT is slower still: the driver binds hundreds of named parameters in quadratic time.
/// The commands go to the connection directly, so EF Core's logging and command interceptors do not see them.
/// </summary>
public static class BatchInsert
{
    public static async Task InsertAsync<T>(this CorrectionsDb db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class
    {
        if (rows.Count == 0)
            return;
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        // Keys the database numbers itself are left out.
        var columns = entity.GetProperties()
            .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && p.ClrType != typeof(Guid)))
            .Select(p => (Property: p, Mapping: p.GetRelationalTypeMapping(), Name: p.GetColumnName(table)!))
            .ToList();
        var names = columns.Select((_, i) => $"@p{i}").ToList();
        var insert = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Name)))}) VALUES ({string.Join(", ", names)})";

        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = insert;
        foreach (var row in rows)
        {
            command.Parameters.Clear();
            for (var c = 0; c < columns.Count; c++)
            {
                var (property, mapping, _) = columns[c];
                // The mapping converts the value as SaveChanges would (ticks for instants, text for enums).
                command.Parameters.Add(mapping.CreateParameter(command, names[c], property.GetGetter().GetClrValue(row), property.IsNullable));
            }
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
