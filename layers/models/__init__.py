"""Models of the layers app, one module per body of data."""

from .admin_units import AdminUnit, AdminUnitSuccession
from .basemap import AdminArea, AdminLabel, BasemapBuilding, BasemapLandUse, BasemapPlace, BasemapRoad, BasemapWater
from .cameras import Camera
from .catalog import ImportJob, LandUseCode, Layer
from .irrigation import Canal, IrrigatedArea, IrrigationWork
from .planning import LandParcel, PlanDecision, PlanZone
from .rasters import RasterLayer
from .underground import NetworkNode, NetworkSegment

__all__ = [
    "AdminArea", "AdminLabel", "BasemapBuilding", "BasemapLandUse", "BasemapPlace", "BasemapRoad", "BasemapWater",
    "AdminUnit", "AdminUnitSuccession", "Camera", "Canal", "ImportJob", "IrrigatedArea", "IrrigationWork",
    "LandParcel", "LandUseCode", "Layer", "NetworkNode", "NetworkSegment", "PlanDecision", "PlanZone", "RasterLayer",
]
